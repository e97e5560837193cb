// Merging two records of one household (registered from home and again at the door):
// choose which to keep, confirm in words, merge. The other record's pass keeps working.
import { $, html } from "../common/dom.js";
import { say, state, t } from "./desk.js";
import { call } from "./session.js";
import { entryLabel, entryName } from "./entries.js";
import { bindDialog, confirmChange } from "./dialogs.js";

export function openMerge(entry, opener) {
  const words = t();
  const entries = state.roster ? state.roster.entries : [];
  if (entries.length < 2) {
    say(words.mergeNone);
    return;
  }
  const other = entries.find((e) => e.household_id !== entry.household_id);
  state.merge = { keep: entry.household_id, from: other.household_id, step: "choose", opener: opener.dataset.focus };
  $("merge-error").textContent = "";
  renderMerge();
  $("merge-dialog").showModal();
  $("merge-keep").focus();
}

function entryById(id) {
  return state.roster && state.roster.entries.find((e) => e.household_id === id);
}

export function renderMerge() {
  const merge = state.merge;
  if (!merge) return;
  const words = t();
  const entries = state.roster ? state.roster.entries : [];
  for (const [id, value] of [["merge-keep", merge.keep], ["merge-from", merge.from]]) {
    $(id).replaceChildren(...entries.map((e) => html("option", { value: e.household_id }, entryLabel(e))));
    $(id).value = value;
  }
  const choosing = merge.step === "choose";
  $("merge-title").textContent = choosing ? words.mergeTitle : words.mergeConfirmTitle;
  $("merge-choose").hidden = !choosing;
  $("merge-confirm").hidden = choosing;
  $("merge-next").hidden = !choosing;
  $("merge-do").hidden = choosing;
  $("merge-back").hidden = choosing;
  const keep = entryById(merge.keep);
  const from = entryById(merge.from);
  if (!choosing && keep && from) {
    $("merge-records").replaceChildren(
      html("div", {}, html("dt", {}, words.mergeKeep), html("dd", {}, entryLabel(keep))),
      html("div", {}, html("dt", {}, words.mergeFrom), html("dd", {}, entryLabel(from))));
    $("merge-what").replaceChildren(...words.mergeWhat(entryName(keep), entryName(from)).map((line) => html("li", {}, line)));
  }
}

function mergeNext(event) {
  event.preventDefault();
  const merge = state.merge;
  merge.keep = $("merge-keep").value;
  merge.from = $("merge-from").value;
  if (merge.keep === merge.from) {
    $("merge-error").textContent = t().mergeSame;
    $("merge-from").focus();
    return;
  }
  $("merge-error").textContent = "";
  merge.step = "confirm";
  renderMerge();
  $("merge-back").focus();
}

async function mergeDo() {
  const merge = state.merge;
  const keep = entryById(merge.keep);
  const label = keep ? entryName(keep) : "";
  await confirmChange("merge", {
    request: () => call(`/households/${encodeURIComponent(merge.keep)}/merge`,
      { method: "POST", body: { from_household_id: merge.from } }),
    said: () => t().merged(label),
    focusKey: `merge:${merge.keep}`,
  });
}

export function bindMerge() {
  $("merge-form").addEventListener("submit", mergeNext);
  $("merge-keep").addEventListener("change", () => {
    const merge = state.merge;
    merge.keep = $("merge-keep").value;
    if (merge.from === merge.keep) {
      const other = state.roster.entries.find((e) => e.household_id !== merge.keep);
      if (other) merge.from = other.household_id;
      $("merge-from").value = merge.from;
    }
  });
  $("merge-from").addEventListener("change", () => { state.merge.from = $("merge-from").value; });
  $("merge-back").addEventListener("click", () => {
    state.merge.step = "choose";
    renderMerge();
    $("merge-keep").focus();
  });
  $("merge-do").addEventListener("click", mergeDo);
  bindDialog("merge", { clear: ["merge-keep", "merge-from", "merge-records", "merge-what"] });
}
