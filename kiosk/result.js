// The big result panel: green, amber or red with words (never colour alone), a tone, and
// the same words for a screen reader; back to "ready" after a while.
//
// A result's title and detail may be functions of the words, so the panel follows a
// language switch while it is shown.
import { $, html } from "../dashboard/common/dom.js";
import { errorText } from "../dashboard/common/i18n.js";
import { announce, beep } from "./sound.js";
import { here, state, t } from "./state.js";
import { renderStayChoices } from "./stay.js";

const SHOWN_MS = 8000;
let timer = null;
// What a tap on a stay does (scan.js records a new check-in): set once at start.
let stayPicked = () => {};
export function onStayPick(handler) {
  stayPicked = handler;
}

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
      items.append(html("li", {}, alternativeText(alt, result.spacesFull || [], words)));
    }
    list.append(items);
  }
  const stay = result.stay;
  $("stay").hidden = !stay;
  $("stay-label").textContent = words.stayLabel;
  if (stay) renderStayChoices($("stay-choices"), stay.current, (choice) => stayPicked(stay.pass, choice));
}

// One alternative: its name, how far, the places left, and the places left of each kind
// of space that is full here (the reason this household is offered somewhere else).
function alternativeText(alt, spacesFull, words) {
  const parts = [alt.name];
  const from = here();
  if (from) parts.push(words.distance(distanceKm(from, alt)));
  parts.push(words.placesLeft(alt.vacancy));
  for (const kind of spacesFull) {
    const space = (alt.spaces || []).find((s) => s.kind === kind);
    if (space) parts.push(words.spaceLeft[kind](space.vacancy));
  }
  return parts.join(" · ");
}

// Great-circle distance, rounded to 0.1 km: as the server orders the alternatives.
function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2
    + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h))) * 10) / 10;
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
  // A check-in with a pass: where they stay, and one tap to change it.
  const stay = kind === "in" && answer.pass_code && answer.stay
    ? { pass: answer.pass_code, current: answer.stay } : null;
  if (answer.effect === "none") {
    return { tone: "warn", title: (w) => (kind === "in" ? w.alreadyIn : w.notInside), detail, stay };
  }
  const outside = kind === "in" && answer.stay && answer.stay !== "shelter";
  const title = { checked_in: (w) => (outside ? w.checkedInOutside(answer.people, w.stays[answer.stay])
    : w.checkedIn(answer.people)),
  checked_out: (w) => w.checkedOut(answer.people), moved: (w) => w.moved(answer.people) }[answer.effect];
  if (answer.over_capacity) {
    // Which room is missing: a kind of space (the hall may have room), or the shelter.
    const spacesFull = answer.spaces_full || [];
    const why = (w) => (spacesFull.length && answer.shelter.level !== "full"
      ? spacesFull.map((k) => w.spaceFull[k]).join(" · ") : w.overCapacity);
    return { tone: "warn", title: (w) => `${title(w)} · ${why(w)}`, detail,
      alternatives: answer.alternatives, spacesFull, stay };
  }
  return { tone: "ok", title, detail: outside ? (w) => `${detail(w)} · ${w.outsideNote}` : detail, stay };
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
