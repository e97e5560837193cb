// Who is in the shelter now: the roster, read one at a time and again when the live feed
// says the shelter's counts moved; the filter; and the CSV for Excel.
//
// Every roster read is audited, so it is read only while someone is looking at it. The CSV
// is fetched with the token in a header and saved from a blob: the token never rides a URL.
import { $, html } from "../common/dom.js";
import { clock } from "../common/i18n.js";
import { folded } from "../common/household.js";
import { problemText, say, state, t } from "./desk.js";
import { call, callForResponse } from "./session.js";
import { row } from "./entries.js";

let refreshTimer = null;
let loading = null;
let queued = null;
let stale = false;
let actions = { edit: () => {}, merge: () => {}, card: () => {}, erase: () => {} };

// One read at a time; whoever asks during a read gets one more read after it (a change
// made meanwhile must show), shared with everyone else who asked.
export function loadRoster() {
  if (!state.token || !state.shelterId) return Promise.resolve();
  if (!loading) {
    loading = readRoster().finally(() => { loading = null; });
    return loading;
  }
  if (!queued) queued = loading.then(() => { queued = null; return loadRoster(); });
  return queued;
}

async function readRoster() {
  const id = state.shelterId;
  try {
    const roster = await call(`/shelters/${encodeURIComponent(id)}/roster`);
    if (id !== state.shelterId) return;
    state.roster = roster;
    state.rosterProblem = null;
  } catch (error) {
    if (error.status === 401 || id !== state.shelterId) return;
    const words = t();
    const own = state.me && state.me.role === "staff" ? state.me.shelter_id : null;
    if (error.status === 403 && own && own !== id) {
      state.roster = null; // never keep showing what this token may not see
      state.rosterProblem = { text: words.forbiddenShelter(id, own), own };
    } else if (error.status === 404) {
      state.roster = null;
      state.rosterProblem = { text: words.unknownShelter(id), own };
    } else if (error.status === 403) {
      state.roster = null;
      state.rosterProblem = { text: words.errors.forbidden, own: null };
    } else {
      state.rosterProblem = { text: problemText(error), own: null }; // offline: keep what we had
    }
  }
  renderRoster();
}

// Every roster read is audited: read it again only when someone is looking at it.
export function refreshSoon() {
  if (!state.token) return;
  if (state.view !== "roster" || document.hidden) {
    stale = true;
    return;
  }
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    stale = false;
    loadRoster();
  }, 1000);
}

export function refreshIfStale() {
  if (stale) refreshSoon();
}

// For the filter: width, case and katakana/hiragana do not matter, nor spaces.
function searchable(value) {
  return folded(value).toLowerCase().replace(/\s+/g, "")
    .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

function matches(entry, needle) {
  if (!needle) return true;
  const hay = entry.members.map((m) => searchable(m.name) + "|" + searchable(m.name_kana)).join("|")
    + "|" + searchable(entry.pass_code);
  return hay.includes(needle);
}

export function renderRoster() {
  const words = t();
  const problem = state.rosterProblem;
  $("desk-problem").hidden = !problem;
  $("desk-error").textContent = problem ? problem.text : "";
  $("open-own").hidden = !(problem && problem.own && problem.own !== state.shelterId);
  if (problem && problem.own) $("open-own").textContent = words.openOwn(problem.own);
  const roster = state.roster;
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.focus : null;
  // Refused (another shelter, unknown shelter): nothing of a roster is offered at all.
  $("roster-view").classList.toggle("refused", !roster && !!problem && problem.text !== words.errors.offline);
  if (!roster) {
    $("rows").replaceChildren();
    $("roster-summary").textContent = "";
    $("filter-count").textContent = "";
    $("roster-empty").hidden = true;
    $("roster").hidden = true;
    for (const id of ["register", "csv", "filter"]) $(id).disabled = true;
    return;
  }
  for (const id of ["register", "csv", "filter"]) $(id).disabled = false;
  $("roster-summary").textContent = words.rosterSummary(roster.households, roster.people, clock(roster.as_of, state.lang));
  const needle = searchable(state.filter);
  const shown = roster.entries.filter((entry) => matches(entry, needle));
  $("rows").replaceChildren(...shown.map((entry) => row(entry, actions)));
  $("roster").hidden = shown.length === 0;
  $("roster-empty").hidden = shown.length > 0;
  $("roster-empty").textContent = roster.entries.length ? words.noMatch : words.empty;
  $("filter-count").textContent = needle ? words.filterCount(shown.length, roster.entries.length) : "";
  if (focused) {
    const again = document.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

async function downloadCsv() {
  const words = t();
  try {
    const response = await callForResponse(`/shelters/${encodeURIComponent(state.shelterId)}/roster?format=csv&lang=${state.lang === "en" ? "en" : "ja"}`);
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const now = new Date();
    const two = (n) => String(n).padStart(2, "0");
    const stamp = `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}`;
    const link = html("a", { href: url, download: `roster-${state.shelterId}-${stamp}.csv`, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say(words.csvDone);
  } catch (error) {
    if (error.status !== 401) say(`${words.csvFailed} ${problemText(error)}`);
  }
}

// Nothing personal stays on screen after signing out.
export function forgetRoster() {
  state.roster = null;
  state.rosterProblem = null;
  state.filter = "";
  $("filter").value = "";
  $("rows").replaceChildren();
}

// ``rowActions``: what a row's edit, merge, card and erase buttons open.
export function bindRoster(rowActions) {
  actions = rowActions;
  $("refresh").addEventListener("click", () => loadRoster());
  $("csv").addEventListener("click", downloadCsv);
  $("filter").addEventListener("input", () => {
    state.filter = $("filter").value;
    renderRoster();
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refreshIfStale(); });
}
