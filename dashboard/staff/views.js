// One view of the desk at a time (the roster, the household form, a new registration),
// and where the focus goes when one closes.
import { $ } from "../common/dom.js";
import { state } from "./desk.js";
import { refreshIfStale, renderRoster } from "./roster.js";

export function showView(view) {
  state.view = view;
  $("notice").textContent = "";
  $("roster-view").hidden = view !== "roster";
  $("form-view").hidden = view !== "form";
  $("done-view").hidden = view !== "done";
}

// Focus the button marked data-focus=key (it may have been drawn again), else the roster title.
export function focusOn(key) {
  const target = key && document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  (target || $("roster-title")).focus();
}

export function backToRoster(focusKey = null) {
  showView("roster");
  renderRoster();
  refreshIfStale();
  focusOn(focusKey);
}
