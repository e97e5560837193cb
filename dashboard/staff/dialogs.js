// What the merge and erase confirmations have in common. A dialog is named by the prefix
// of its ids (#merge-dialog, #merge-do, #merge-cancel, #merge-error) and of its state
// (state.merge, with the key of the button that opened it).
import { $ } from "../common/dom.js";
import { problemText, say, state } from "./desk.js";
import { loadRoster } from "./roster.js";
import { focusOn } from "./views.js";

// Make the change the dialog confirms (its button waits meanwhile); then close it, read the
// roster again, say what happened and put the focus on the household's row.
export async function confirmChange(name, { request, said, focusKey }) {
  const button = $(`${name}-do`);
  button.disabled = true;
  try {
    await request();
    $(`${name}-dialog`).close();
    await loadRoster();
    say(said());
    focusOn(focusKey);
  } catch (error) {
    if (error.status !== 401) $(`${name}-error`).textContent = problemText(error);
  } finally {
    button.disabled = false;
  }
}

// Cancel closes the dialog; closed any way (done, cancel, Escape), it forgets what it
// showed (no names left behind) and the focus goes back to the button that opened it.
export function bindDialog(name, { clear }) {
  $(`${name}-cancel`).addEventListener("click", () => $(`${name}-dialog`).close());
  $(`${name}-dialog`).addEventListener("close", () => {
    const opener = state[name] && state[name].opener;
    state[name] = null;
    for (const id of clear) $(id).replaceChildren();
    refocus(opener);
  });
}

// After a dialog closes, focus goes back to the button that opened it, if nothing else took it.
function refocus(key) {
  const active = document.activeElement;
  if (active && active !== document.body) return;
  focusOn(key);
}
