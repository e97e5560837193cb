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
  state.merge = { keep: entry.household_id, from: other.household_id, same: {}, step: "choose", opener: opener.dataset.focus };
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
    renderSame(keep, from);
    renderOutcome();
  }
}

// One choice per member of the other record: someone else, or the same person as one of
// the kept record's members (each kept member may be chosen once).
function renderSame(keep, from) {
  const words = t();
  const merge = state.merge;
  const possible = !keep.anonymous && !from.anonymous && keep.members.length && from.members.length;
  $("merge-same").hidden = !possible;
  $("merge-same-legend").textContent = words.mergeSameLegend;
  if (!possible) {
    merge.same = {};
    $("merge-same-rows").replaceChildren();
    return;
  }
  $("merge-same-rows").replaceChildren(...from.members.map((member, index) => {
    const id = `merge-same-${index}`;
    const select = html("select", { id, "data-from": String(index) },
      html("option", { value: "" }, words.mergeSameNew),
      ...keep.members.map((kept, into) => html("option", { value: String(into) }, words.mergeSameOption(kept.name))));
    select.value = merge.same[index] === undefined ? "" : String(merge.same[index]);
    select.addEventListener("change", () => chooseSame(index, select.value));
    return html("div", { class: "field" }, html("label", { for: id }, words.mergeSameAs(member.name)), select);
  }));
}

function chooseSame(index, value) {
  const same = state.merge.same;
  if (value === "") {
    delete same[index];
  } else {
    const into = Number(value);
    for (const [other, chosen] of Object.entries(same)) {
      if (chosen === into && Number(other) !== index) {
        delete same[other];
        $(`merge-same-${other}`).value = "";
      }
    }
    same[index] = into;
  }
  renderOutcome();
}

// Exactly what the merge will do, as the server does it (service.merge): who is listed,
// how many people are counted, and what becomes of the consent to share 安否 information.
function renderOutcome() {
  const words = t();
  const merge = state.merge;
  const keep = entryById(merge.keep);
  const from = entryById(merge.from);
  if (!keep || !from) return;
  const matched = Object.keys(merge.same).length;
  const listed = [...keep.members.map((m) => m.name), ...from.members.filter((_, i) => merge.same[i] === undefined).map((m) => m.name)];
  const records = [keep, from];
  const detailed = records.filter((e) => !e.anonymous).reduce((sum, e) => sum + e.size, 0) - matched;
  const blank = Math.max(0, ...records.filter((e) => e.anonymous).map((e) => e.size));
  const size = Math.max(detailed, blank, 1);
  const voters = records.filter((e) => !e.anonymous);
  const consent = !voters.length ? words.mergeConsentBlank
    : voters.every((e) => e.consent_safety_info) ? words.mergeConsentYes : words.mergeConsentNo;
  const lines = [
    ...(listed.length ? [words.mergeListed(listed)] : []),
    words.mergeCount(size),
    consent,
    ...words.mergeWhat(entryName(keep), entryName(from)),
  ];
  $("merge-what").replaceChildren(...lines.map((line) => html("li", line === consent ? { "data-consent": "" } : {}, line)));
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
  merge.same = {};
  renderMerge();
  $("merge-back").focus();
}

async function mergeDo() {
  const merge = state.merge;
  const keep = entryById(merge.keep);
  const label = keep ? entryName(keep) : "";
  await confirmChange("merge", {
    request: () => call(`/households/${encodeURIComponent(merge.keep)}/merge`,
      { method: "POST", body: { from_household_id: merge.from, same: Object.entries(merge.same).map(([from, into]) => ({ from: Number(from), into })) } }),
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
  bindDialog("merge", { clear: ["merge-keep", "merge-from", "merge-records", "merge-same-rows", "merge-what"] });
}
