// The big result panel: green, amber or red with words (never colour alone), a tone, and
// the same words for a screen reader; back to "ready" after a while.
//
// A result's title and detail may be functions of the words, so the panel follows a
// language switch while it is shown.
import { $, html } from "../dashboard/common/dom.js";
import { errorText } from "../dashboard/common/i18n.js";
import { announce, beep } from "./sound.js";
import { state, t } from "./state.js";

const SHOWN_MS = 8000;
let timer = null;

function say(part, words) {
  return typeof part === "function" ? part(words) : part || "";
}

export function renderResult() {
  const words = t();
  const result = state.result || {
    tone: "idle", title: words.ready[state.mode], detail: words.readyDetail, alternatives: [],
  };
  $("result").dataset.tone = result.tone;
  $("result-title").textContent = say(result.title, words);
  $("result-detail").textContent = say(result.detail, words);
  const list = $("alternatives");
  list.replaceChildren();
  if (result.alternatives && result.alternatives.length) {
    list.append(html("p", { class: "alt-title" }, words.alternatives));
    const items = html("ul");
    for (const alt of result.alternatives) {
      items.append(html("li", {}, `${alt.name} · ${words.placesLeft(alt.vacancy)}`));
    }
    list.append(items);
  }
}

export function show(result, { sound = true } = {}) {
  state.result = result;
  renderResult();
  if (sound) beep(result.tone === "ok");
  const words = t();
  announce([result.title, result.detail].map((part) => say(part, words)).filter(Boolean).join("。"));
  clearTimeout(timer);
  timer = setTimeout(() => {
    state.result = null;
    renderResult();
  }, SHOWN_MS);
}

// What the server answered for a scan: in, out, moved, nothing changed, over capacity.
export function resultFromAnswer(answer, kind) {
  const size = answer.household_size;
  const detail = (words) => [answer.pass_code || answer.people ? words.household(size) : "",
    answer.shelter ? answer.shelter.name : ""].filter(Boolean).join(" · ");
  if (answer.effect === "none") {
    return { tone: "warn", title: (w) => (kind === "in" ? w.alreadyIn : w.notInside), detail };
  }
  const title = { checked_in: (w) => w.checkedIn(answer.people),
    checked_out: (w) => w.checkedOut(answer.people), moved: (w) => w.moved(answer.people) }[answer.effect];
  if (answer.over_capacity) {
    return { tone: "warn", title: (w) => `${title(w)} · ${w.overCapacity}`, detail,
      alternatives: answer.alternatives };
  }
  return { tone: "ok", title, detail };
}

// A scan refused, by the server's error code: what it was, and what to do about it.
const REFUSAL_DETAILS = new Map([
  ["unknown_pass", (w) => w.unknownPassDetail],
  ["forbidden", ""],
  ["conflict", (w) => w.askStaffDetail],
  ["not_found", (w) => w.askStaffDetail],
  ["too_large", (w) => w.askStaffDetail],
  ["bad_request", (w) => w.askStaffDetail],
]);

export function refusal(code) {
  const detail = REFUSAL_DETAILS.has(code) ? REFUSAL_DETAILS.get(code) : (w) => w.unreadableDetail;
  return { tone: "error", title: (w) => errorText(w, { code }), detail };
}
