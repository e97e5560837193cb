// The recent scans list: what was recorded, whether it was sent, and why one was refused.
import { $, html } from "../dashboard/common/dom.js";
import { errorText } from "../dashboard/common/i18n.js";
import { showPass } from "./pass.js";
import { state, t, time } from "./state.js";

export function remember(item) {
  state.recent = [item, ...state.recent.filter((other) => other.id !== item.id)].slice(0, 8);
  renderRecent();
}

export function updateRecent(id, change) {
  const item = state.recent.find((other) => other.id === id);
  if (item) Object.assign(item, change);
  renderRecent();
}

export function renderRecent() {
  const words = t();
  const list = $("recent-list");
  list.replaceChildren();
  if (!state.recent.length) {
    list.append(html("li", { class: "muted" }, words.recentNone));
    return;
  }
  for (const item of state.recent) {
    const label = item.pass ? words.passLabel(item.pass) : words.walkInLabel(item.headcount);
    const statusWord = { applied: words.statusApplied, queued: words.statusQueued,
      rejected: words.statusRejected }[item.status];
    const reason = item.status === "rejected" ? ` · ${errorText(words, { code: item.code })}` : "";
    const row = html("li", { "data-status": item.status, "data-id": item.id },
      html("span", { class: "when" }, time(item.at)),
      html("span", { class: "what" }, `${item.kind === "in" ? words.modeIn : words.modeOut} · ${label}`),
      html("span", { class: "state" }, statusWord + reason));
    if (item.newPass) {
      const button = html("button", { type: "button", class: "show-pass" }, words.showPass);
      button.addEventListener("click", () => showPass(item.newPass, item.headcount));
      row.append(button);
    }
    list.append(row);
  }
}
