// Erasing a household's personal data, after a confirmation that says what goes and what
// stays (its size, its check-ins and check-outs, its pass).
import { $, html } from "../common/dom.js";
import { state, t } from "./desk.js";
import { call } from "./session.js";
import { entryName, tail } from "./entries.js";
import { bindDialog, confirmChange } from "./dialogs.js";

export function openErase(entry, opener) {
  state.erase = { id: entry.household_id, entry, opener: opener.dataset.focus };
  $("erase-error").textContent = "";
  renderErase();
  $("erase-dialog").showModal();
  $("erase-cancel").focus(); // the safe choice has the focus
}

export function renderErase() {
  const erase = state.erase;
  if (!erase) return;
  const words = t();
  $("erase-title").textContent = words.eraseTitle;
  $("erase-what").replaceChildren(...words.eraseWhat(entryName(erase.entry), erase.entry.size).map((line) => html("li", {}, line)));
}

async function eraseDo() {
  const erase = state.erase;
  // The notice names the pass, not the person whose name was just erased.
  const pass = t().pass(tail(erase.entry.pass_code));
  await confirmChange("erase", {
    request: () => call(`/households/${encodeURIComponent(erase.id)}`, { method: "DELETE" }),
    said: () => t().erased(pass),
    focusKey: `edit:${erase.id}`,
  });
}

export function bindErase() {
  $("erase-do").addEventListener("click", eraseDo);
  bindDialog("erase", { clear: ["erase-what"] });
}
