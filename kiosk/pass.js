// The pass dialog: a walk-in's new pass on screen, ready to print.
import { $ } from "../dashboard/common/dom.js";
import { here, t } from "./state.js";

export function showPass(code, headcount) {
  $("pass-image").src = `/api/v1/passes/${code}.png`;
  $("pass-code").textContent = code.replace(/(.{4})(?=.)/g, "$1 ");
  $("pass-people").textContent = t().people(headcount || 1);
  $("pass-shelter").textContent = here() ? here().name : "";
  if (!$("pass").open) $("pass").showModal();
}

export function bindPass() {
  $("pass-close").addEventListener("click", () => $("pass").close());
  $("pass-print").addEventListener("click", () => window.print());
}
