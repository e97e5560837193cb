// Erasing a household's personal data, after a confirmation that says what goes and what
// stays (its size, its check-ins and check-outs, its pass).
import { $, html } from "../common/dom.js";
import { problemText, say, state, t } from "./desk.js";
import { call } from "./session.js";
import { loadRoster } from "./roster.js";
import { entryName, tail } from "./entries.js";
import { focusOn, refocus } from "./views.js";

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
  $("erase-do").disabled = true;
  try {
    await call(`/households/${encodeURIComponent(erase.id)}`, { method: "DELETE" });
    $("erase-dialog").close();
    await loadRoster();
    say(t().erased(pass));
    focusOn(`edit:${erase.id}`);
  } catch (error) {
    if (error.status !== 401) $("erase-error").textContent = problemText(error);
  } finally {
    $("erase-do").disabled = false;
  }
}

export function bindErase() {
  $("erase-do").addEventListener("click", eraseDo);
  $("erase-cancel").addEventListener("click", () => $("erase-dialog").close());
  $("erase-dialog").addEventListener("close", () => {
    const opener = state.erase && state.erase.opener;
    state.erase = null;
    $("erase-what").replaceChildren();
    refocus(opener);
  });
}
