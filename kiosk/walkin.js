// People with no pass: how many came, then one check-in for the group and a new pass.
import { $ } from "../dashboard/common/dom.js";
import { state, t } from "./state.js";
import { newEvent, record } from "./scan.js";
import { renderStayChoices } from "./stay.js";

export function renderWalkIn() {
  const words = t();
  $("walkin-count").textContent = words.people(state.walkInCount);
  $("walkin-stay-label").textContent = words.stayLabel;
  renderStayChoices($("walkin-stay"), state.walkInStay, (stay) => {
    state.walkInStay = stay;
    renderWalkIn();
  });
}

export function bindWalkIn() {
  $("walkin-open").addEventListener("click", () => {
    state.walkInCount = 1;
    state.walkInStay = "shelter"; // a group with no pass has no plan: inside unless told
    renderWalkIn();
    $("walkin").showModal();
  });
  $("walkin-fewer").addEventListener("click", () => {
    state.walkInCount = Math.max(1, state.walkInCount - 1);
    renderWalkIn();
  });
  $("walkin-more").addEventListener("click", () => {
    state.walkInCount = Math.min(99, state.walkInCount + 1);
    renderWalkIn();
  });
  $("walkin-cancel").addEventListener("click", () => $("walkin").close());
  $("walkin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("walkin").close();
    record(newEvent({ kind: "check_in", headcount: state.walkInCount, stay: state.walkInStay }),
      { walkIn: true });
  });
}
