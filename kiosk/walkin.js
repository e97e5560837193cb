// People with no pass: how many came, then one check-in for the group and a new pass.
import { $ } from "../dashboard/common/dom.js";
import { state, t } from "./state.js";
import { newEvent, record } from "./scan.js";

export function renderWalkIn() {
  $("walkin-count").textContent = t().people(state.walkInCount);
}

export function bindWalkIn() {
  $("walkin-open").addEventListener("click", () => {
    state.walkInCount = 1;
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
    record(newEvent({ kind: "check_in", headcount: state.walkInCount }), { walkIn: true });
  });
}
