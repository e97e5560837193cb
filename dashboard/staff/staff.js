// The staff desk (/staff): shelter staff handle households at the door.
//
// Sign in with a staff token (one shelter) or an hq token (any shelter, picked here); the
// token lives in sessionStorage and travels only in an Authorization header, never a URL.
// The roster refreshes when the live feed says the shelter's counts moved. Staff register
// a household on its behalf and check it in, attach details to a walk-in or a pre-printed
// pass, merge two records of one household, and erase a household's personal data.
//
// Personal data stays in this page's memory and the DOM: never in a URL, localStorage or
// the console. The CSV and the pass card are fetched with the header and shown from blobs.
import { clock, saveLanguage, savedLanguage, shelterName } from "../common/i18n.js";
import { LiveFeed } from "../common/feed.js";
import { html } from "../common/dom.js";
import { LANGUAGES, strings } from "./strings.js";
import { HouseholdForm, blankMember, folded, namedMembers } from "../common/household.js";

const TOKEN_KEY = "shelter.staff.token";
const SHELTER_KEY = "shelter.staff.shelter";
const SHELTER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const $ = (id) => document.getElementById(id);

const LANG_KEY = "shelter.lang";

const state = {
  lang: savedLanguage(LANG_KEY, LANGUAGES),
  token: null,
  me: null, // {id, role, shelter_id, label}
  shelters: [],
  shelterId: null,
  roster: null,
  rosterProblem: null, // {text, own} when the roster could not be shown
  filter: "",
  view: "roster", // roster | form | done
  form: null,
  done: null,
  merge: null,
  erase: null,
};

let refreshTimer = null;
let loading = null;
let queued = null;
let stale = false;

const feed = new LiveFeed({
  onState: (changed) => {
    renderShelter();
    if (!changed || changed.id === state.shelterId) refreshSoon();
  },
  onStatus: () => {},
});

function t() {
  return strings(state.lang);
}

const household = new HouseholdForm({ size: true, narrow: true, notAsked: true, onMembersChange: syncSize });

// ---- talking to the API ----
class ApiError extends Error {
  constructor(status, answer) {
    super(`HTTP ${status}`); // never the body: it may hold personal data
    this.status = status;
    this.answer = answer;
  }
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (response.status === 401) {
    signOut(t().lostToken);
    throw new ApiError(401, null);
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response;
}

function fieldName(loc) {
  const words = t();
  const path = loc.filter((part) => part !== "body");
  if (path[0] === "members" && Number.isInteger(path[1])) {
    const field = { name: words.name, name_kana: words.kana, birth_year: words.birthYear,
      sex: words.sex, needs: words.needs }[path[2]];
    return [words.member(path[1] + 1), field].filter(Boolean).join(" ");
  }
  return { pets: words.pets, phone: words.phone, language: words.language, stay: words.stay,
    size: words.size, members: words.members }[path[0]] || path.join(".");
}

function errorText(error) {
  const words = t();
  if (!(error instanceof ApiError)) return words.failed;
  switch (error.status) {
    case 0: return words.offline;
    case 401: return words.lostToken;
    case 403: return words.forbidden;
    case 404: return words.notFound;
    case 409: return words.conflict;
    default: break;
  }
  const detail = error.answer && error.answer.detail;
  if (Array.isArray(detail)) {
    return [words.failed, ...detail.map((item) => words.problem(fieldName(item.loc || []), item.msg))].join(" ");
  }
  return [words.failed, typeof detail === "string" ? detail : ""].filter(Boolean).join(" ");
}

// A client-chosen event id makes a retried check-in safe. crypto.randomUUID() needs a
// secure context, which a shelter LAN on plain http is not: fall back to getRandomValues.
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- saying what happened ----
function say(text, { visible = true } = {}) {
  // Cleared first, so the same words twice are announced twice.
  const announcer = $("announcer");
  announcer.textContent = "";
  $("notice").textContent = visible ? text : "";
  setTimeout(() => { announcer.textContent = text; }, 60);
}

// For the filter: width, case and katakana/hiragana do not matter, nor spaces.
function searchable(value) {
  return folded(value).toLowerCase().replace(/\s+/g, "")
    .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

function tail(code) {
  return code.slice(-4);
}

// How a roster entry is called in buttons and confirmations: names, size, and the end of
// its pass code (two records of one household usually carry the same name).
function entryName(entry) {
  const words = t();
  if (entry.anonymous || !entry.members.length) return words.noName;
  const first = entry.members[0].name;
  return entry.size > 1 ? words.withOthers(first, entry.size - 1) : first;
}

function entryLabel(entry) {
  const words = t();
  return words.entryLabel(entryName(entry), words.peopleCount(entry.present, entry.size), words.pass(tail(entry.pass_code)));
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const locale = state.lang === "ja" ? "ja-JP" : "en-GB";
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12: false })
    : date.toLocaleString(locale, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
}

// ---- signing in ----
async function signIn(token, { restoring = false } = {}) {
  const words = t();
  $("signin-error").textContent = restoring ? "" : words.checking;
  let response;
  try {
    response = await fetch("/api/v1/tokens/me", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  } catch {
    $("signin-error").textContent = words.offline;
    return;
  }
  if (!response.ok) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("signin-error").textContent = restoring ? words.lostToken : words.badToken;
    return;
  }
  const me = await response.json();
  if (me.role !== "staff" && me.role !== "hq") {
    sessionStorage.removeItem(TOKEN_KEY);
    $("signin-error").textContent = words.kioskToken;
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  state.me = me;
  $("token").value = "";
  $("signin-error").textContent = "";
  try {
    const list = await fetch("/api/v1/shelters", { cache: "no-store" });
    state.shelters = list.ok ? await list.json() : [];
  } catch {
    state.shelters = [];
  }
  let wanted = "";
  try {
    wanted = decodeURIComponent(location.hash.slice(1)); // a shelter id, never personal data
  } catch {
    wanted = "";
  }
  if (SHELTER_ID.test(wanted)) state.shelterId = wanted;
  else if (me.role === "hq") {
    const saved = sessionStorage.getItem(SHELTER_KEY);
    state.shelterId = saved || (state.shelters[0] && state.shelters[0].id) || null;
  } else state.shelterId = me.shelter_id;
  $("signin-view").hidden = true;
  $("desk").hidden = false;
  $("signout").hidden = false;
  $("who").hidden = false;
  showView("roster");
  renderAll();
  if (!feed.socket) feed.start();
  await loadRoster();
  $("roster-title").focus();
}

function signOut(error = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.me = null;
  state.roster = null;
  state.rosterProblem = null;
  state.form = null;
  state.filter = "";
  $("filter").value = "";
  forgetCard();
  state.done = null;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  // Nothing personal stays on screen.
  $("rows").replaceChildren();
  household.forget();
  $("form").reset();
  $("notice").textContent = "";
  $("desk").hidden = true;
  $("signout").hidden = true;
  $("who").hidden = true;
  $("signin-view").hidden = false;
  $("signin-error").textContent = error;
  $("token").focus();
}

// ---- the shelter and its roster ----
function currentShelter() {
  return feed.shelters.get(state.shelterId) || state.shelters.find((s) => s.id === state.shelterId) || null;
}

function chooseShelter(id) {
  state.shelterId = id;
  state.roster = null;
  sessionStorage.setItem(SHELTER_KEY, id);
  history.replaceState(null, "", `#${encodeURIComponent(id)}`);
  renderShelter();
  renderRoster();
  loadRoster();
}

// One read at a time; whoever asks during a read gets one more read after it (a change
// made meanwhile must show), shared with everyone else who asked.
function loadRoster() {
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
    const response = await api(`/shelters/${encodeURIComponent(id)}/roster`);
    const roster = await response.json();
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
      state.rosterProblem = { text: words.forbidden, own: null };
    } else {
      state.rosterProblem = { text: errorText(error), own: null }; // offline: keep what we had
    }
  }
  renderRoster();
}

// Every roster read is audited: read it again only when someone is looking at it.
function refreshSoon() {
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

function matches(entry, needle) {
  if (!needle) return true;
  const hay = entry.members.map((m) => searchable(m.name) + "|" + searchable(m.name_kana)).join("|")
    + "|" + searchable(entry.pass_code);
  return hay.includes(needle);
}

function needChips(needs) {
  const words = t();
  return needs.map((need) => html("span", { class: "need", "data-need": need }, words.needNames[need] || need));
}

function memberLine(member) {
  const words = t();
  const facts = [];
  if (member.birth_year) facts.push(words.born(member.birth_year, new Date().getFullYear() - member.birth_year));
  if (member.sex) facts.push(words.sexes[member.sex] || member.sex);
  const line = html("li", {}, html("span", { class: "name" }, member.name));
  if (member.name_kana) line.append(" ", html("span", { class: "kana" }, member.name_kana));
  if (facts.length) line.append(" ", html("span", { class: "facts" }, facts.join(" ")));
  if (member.needs.length) line.append(" ", html("span", { class: "needs" }, ...needChips(member.needs)));
  return line;
}

function householdCell(entry) {
  const words = t();
  const cell = html("td", { class: "household", "data-label": words.colHousehold });
  if (entry.anonymous || !entry.members.length) {
    cell.append(html("p", { class: "noname" }, html("strong", {}, words.noName)),
      html("p", { class: "muted small" }, words.noNameHelp));
  } else {
    const list = html("ul", { class: "members" }, ...entry.members.map(memberLine));
    if (entry.size > entry.members.length) list.append(html("li", { class: "muted" }, words.more(entry.size - entry.members.length)));
    cell.append(list);
  }
  const details = [words.pass(tail(entry.pass_code))];
  if (entry.phone) details.push(`☎ ${entry.phone}`);
  if (entry.stay) details.push(words.stays[entry.stay] || entry.stay);
  if (entry.consent_safety_info) details.push(words.consentYes);
  cell.append(html("p", { class: "details" }, details.join(" ・ ")));
  return cell;
}

function actionButton(kind, label, entry, onClick, extra = "") {
  const button = html("button", { type: "button", class: `small ${extra}`.trim(), "data-action": kind,
    "data-focus": `${kind}:${entry.household_id}`, "aria-label": t().actionOn(label, entryName(entry)) }, label);
  button.addEventListener("click", () => onClick(entry, button));
  return button;
}

function row(entry) {
  const words = t();
  const anonymous = entry.anonymous || !entry.members.length;
  const actions = html("div", { class: "actions" },
    actionButton("edit", anonymous ? words.attach : words.edit, entry, openEdit, anonymous ? "primary" : ""),
    actionButton("merge", words.merge, entry, openMerge));
  if (!anonymous) actions.append(actionButton("erase", words.erase, entry, openErase, "danger"));
  return html("tr", { "data-household": entry.household_id, class: anonymous ? "anonymous" : "" },
    householdCell(entry),
    html("td", { class: "num people", "data-label": words.colPeople, title: words.peopleHelp },
      words.peopleCount(entry.present, entry.size)),
    html("td", { class: "num", "data-label": words.colPets }, entry.pets),
    html("td", { class: "since", "data-label": words.colSince }, when(entry.since)),
    html("td", { class: "cell-actions" }, actions));
}

function renderRoster() {
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
  $("roster-view").classList.toggle("refused", !roster && !!problem && problem.text !== words.offline);
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
  $("rows").replaceChildren(...shown.map(row));
  $("roster").hidden = shown.length === 0;
  $("roster-empty").hidden = shown.length > 0;
  $("roster-empty").textContent = roster.entries.length ? words.noMatch : words.empty;
  $("filter-count").textContent = needle ? words.filterCount(shown.length, roster.entries.length) : "";
  if (focused) {
    const again = document.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function renderShelter() {
  const words = t();
  const shelter = currentShelter();
  $("shelter-name").textContent = shelter ? `${shelter.id} ${shelterName(shelter, state.lang)}` : (state.shelterId || "");
  $("occupancy").textContent = shelter ? words.inside(shelter.occupancy, shelter.capacity) : "";
  if (state.me) $("who").textContent = words.signedInAs(state.me.label, state.me.role);
}

function renderPicker() {
  const hq = state.me && state.me.role === "hq";
  $("picker").hidden = !hq;
  if (hq) {
    const select = $("shelter-select");
    const list = state.shelters.length ? state.shelters : [...feed.shelters.values()];
    select.replaceChildren(...list.slice().sort((a, b) => a.id.localeCompare(b.id))
      .map((s) => html("option", { value: s.id }, `${s.id} ${shelterName(s, state.lang)}`)));
    select.value = state.shelterId || "";
  }
}

// ---- the CSV: fetched with the header, offered as a blob (the token never rides a URL) ----
async function downloadCsv() {
  const words = t();
  try {
    const response = await api(`/shelters/${encodeURIComponent(state.shelterId)}/roster?format=csv`);
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
    if (error.status !== 401) say(`${words.csvFailed} ${errorText(error)}`);
  }
}

// ---- views ----
function showView(view) {
  state.view = view;
  $("notice").textContent = "";
  $("roster-view").hidden = view !== "roster";
  $("form-view").hidden = view !== "form";
  $("done-view").hidden = view !== "done";
}

function backToRoster(focusKey = null) {
  state.form = null;
  household.forget();
  showView("roster");
  renderRoster();
  if (stale) refreshSoon();
  const target = focusKey && document.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
  (target || $("roster-title")).focus();
}

// ---- the household form (the registration page's fields) ----
// The size follows the members listed, plus the people the record counted without names,
// until staff type a size themselves.
function autoSize() {
  const form = state.form;
  const named = namedMembers(household.members).length;
  if (form.anonymous) return Math.max(named, form.originalSize);
  return named + Math.max(form.originalSize - form.originalMembers, 0);
}

function syncSize() {
  if (state.form && state.form.mode === "edit" && !state.form.sizeTouched) $("size").value = String(autoSize());
}

function renderForm() {
  const form = state.form;
  if (!form) return;
  const words = t();
  const title = form.mode === "register" ? words.registerTitle : form.anonymous ? words.attachTitle : words.editTitle;
  $("form-title").textContent = title;
  $("form-help").textContent = form.mode === "register" ? words.registerHelp : form.anonymous ? words.attachHelp : "";
  $("form-help").hidden = !$("form-help").textContent;
  $("form-submit").textContent = form.mode === "register" ? words.saveRegister : words.saveEdit;
  $("size-field").hidden = form.mode !== "edit";
  household.render(words);
}

function openForm({ members, stay = null, language = "ja", ...form }) {
  state.form = { sizeTouched: false, originalSize: 0, originalMembers: 0, anonymous: false, ...form };
  $("form").reset();
  $("form-error").textContent = "";
  const record = state.form.record;
  household.load({
    members, stay, language, pets: record ? record.pets : 0, phone: record && record.phone ? record.phone : "",
    consent: !!(record && record.consent_safety_info),
  });
  renderForm();
  $("size").value = String(record ? record.size : 1);
  showView("form");
  $("form-title").focus();
}

function openRegister() {
  openForm({ mode: "register", members: [blankMember()], language: state.lang === "en" ? "en" : "ja" });
}

async function openEdit(entry) {
  let record;
  try {
    record = await (await api(`/households/${encodeURIComponent(entry.household_id)}`)).json();
  } catch (error) {
    if (error.status === 401) return;
    say(errorText(error));
    loadRoster();
    return;
  }
  const members = record.members.map((m) => ({
    name: m.name, kana: m.name_kana || "", birthYear: m.birth_year ? String(m.birth_year) : "",
    sex: m.sex || "", needs: new Set(m.needs),
  }));
  openForm({
    mode: "edit", record, householdId: record.household_id, focusKey: `edit:${record.household_id}`,
    members: members.length ? members : [blankMember()], stay: record.stay, language: record.language,
    anonymous: record.anonymous || !record.members.length, originalSize: record.size,
    originalMembers: record.members.length,
  });
}

async function submitForm(event) {
  event.preventDefault();
  const form = state.form;
  if (!form || form.sending) return;
  const words = t();
  const data = household.body();
  if (!data.members[0].name) {
    $("form-error").textContent = words.needName;
    $("m0-name").focus();
    return;
  }
  if (form.mode === "edit") {
    const size = Number.parseInt(folded($("size").value), 10);
    if (Number.isFinite(size)) {
      if (size < data.members.length) {
        $("form-error").textContent = words.sizeTooSmall(data.members.length);
        $("size").focus();
        return;
      }
      data.size = size;
    }
  }
  $("form-error").textContent = "";
  form.sending = true;
  $("form-submit").disabled = true;
  $("form-submit").textContent = words.sending;
  try {
    if (form.mode === "register") await register(data);
    else await correct(form, data);
  } catch (error) {
    if (error.status !== 401) {
      $("form-error").textContent = errorText(error);
    }
  } finally {
    form.sending = false;
    $("form-submit").disabled = false;
    if (state.form === form) renderForm();
  }
}

async function correct(form, data) {
  const record = await (await api(`/households/${encodeURIComponent(form.householdId)}`,
    { method: "PUT", body: data })).json();
  await loadRoster();
  backToRoster(form.focusKey);
  say(t().saved(record.members.length ? record.members[0].name : t().noName));
}

// ---- register at the door, then check in here ----
async function register(data) {
  const created = await (await api("/households", { method: "POST", body: data })).json();
  forgetCard();
  state.done = {
    householdId: created.household_id, passCode: created.pass_code, size: created.size,
    name: data.members[0].name, eventId: uuid(), checkedIn: false, answer: null,
  };
  state.form = null;
  household.forget();
  showView("done");
  renderDone();
  $("done-title").focus();
  await checkIn();
  loadCard();
}

async function checkIn() {
  const done = state.done;
  if (!done) return;
  const words = t();
  $("checkin-again").disabled = true;
  try {
    const answer = await (await api("/events", { method: "POST", body: {
      event_id: done.eventId, shelter_id: state.shelterId, kind: "check_in", pass_code: done.passCode,
    } })).json();
    done.checkedIn = true;
    done.answer = answer;
    $("done-error").textContent = "";
    renderDone();
    const over = answer.over_capacity
      ? ` ${words.overCapacity((answer.alternatives || []).map((s) => shelterName(s, state.lang)).join("、"))}` : "";
    say(words.registered(done.name, answer.people || done.size) + over, { visible: false });
    loadRoster();
  } catch (error) {
    if (error.status === 401) return;
    $("done-error").textContent = `${words.registeredNotIn(done.name)} ${errorText(error)}`;
    renderDone();
  } finally {
    $("checkin-again").disabled = false;
  }
}

function forgetCard() {
  if (state.done && state.done.cardUrl) URL.revokeObjectURL(state.done.cardUrl);
  $("card").removeAttribute("src");
  $("card").hidden = true;
}

async function loadCard() {
  const done = state.done;
  if (!done) return;
  try {
    const response = await api(`/households/${encodeURIComponent(done.householdId)}/card.png`);
    const blob = await response.blob();
    if (state.done !== done) return;
    done.cardUrl = URL.createObjectURL(blob);
    $("card").src = done.cardUrl;
    $("card").hidden = false;
    renderDone();
  } catch (error) {
    if (error.status !== 401) $("done-error").textContent = `${t().cardFailed} ${errorText(error)}`;
  }
}

function renderDone() {
  const done = state.done;
  if (!done) return;
  const words = t();
  $("done-title").textContent = done.checkedIn
    ? words.registered(done.name, (done.answer && done.answer.people) || done.size) : words.registerTitle;
  const over = done.answer && done.answer.over_capacity;
  $("done-text").textContent = over
    ? words.overCapacity((done.answer.alternatives || []).map((s) => shelterName(s, state.lang)).join("、")) : "";
  $("done-text").hidden = !over;
  $("done-help").textContent = words.doneHelp;
  $("checkin-again").hidden = done.checkedIn;
  $("checkin-again").textContent = words.checkInAgain;
  $("card").alt = words.cardAlt(done.name);
  $("print").disabled = !done.cardUrl;
}

// ---- merge two records of one household ----
function openMerge(entry, opener) {
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

function renderMerge() {
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
  $("merge-do").disabled = true;
  try {
    await api(`/households/${encodeURIComponent(merge.keep)}/merge`,
      { method: "POST", body: { from_household_id: merge.from } });
    $("merge-dialog").close();
    await loadRoster();
    say(t().merged(label));
    const target = document.querySelector(`[data-focus="merge:${CSS.escape(merge.keep)}"]`);
    (target || $("roster-title")).focus();
  } catch (error) {
    if (error.status !== 401) $("merge-error").textContent = errorText(error);
  } finally {
    $("merge-do").disabled = false;
  }
}

// ---- erase personal data ----
function openErase(entry, opener) {
  state.erase = { id: entry.household_id, entry, opener: opener.dataset.focus };
  $("erase-error").textContent = "";
  renderErase();
  $("erase-dialog").showModal();
  $("erase-cancel").focus(); // the safe choice has the focus
}

function renderErase() {
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
    await api(`/households/${encodeURIComponent(erase.id)}`, { method: "DELETE" });
    $("erase-dialog").close();
    await loadRoster();
    say(t().erased(pass));
    const target = document.querySelector(`[data-focus="edit:${CSS.escape(erase.id)}"]`);
    (target || $("roster-title")).focus();
  } catch (error) {
    if (error.status !== 401) $("erase-error").textContent = errorText(error);
  } finally {
    $("erase-do").disabled = false;
  }
}

// ---- words on the page ----
function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.title;
  const text = {
    title: words.title, "signin-title": words.signInTitle, "signin-help": words.signInHelp,
    "token-label": words.tokenLabel, "signin-button": words.signIn, signout: words.signOut,
    "shelter-select-label": words.shelterPick, "roster-title": words.rosterTitle,
    register: words.registerAtDoor, refresh: words.refresh, csv: words.csv, "filter-label": words.filter,
    "h-household": words.colHousehold, "h-people": words.colPeople, "h-pets": words.colPets,
    "h-since": words.colSince, "h-actions": words.colActions, "form-cancel": words.cancel, print: words.print,
    "done-back": words.backToRoster, "merge-help": words.mergeHelp, "merge-keep-label": words.mergeKeep,
    "merge-from-label": words.mergeFrom, "merge-next": words.mergeNext, "merge-do": words.mergeDo,
    "merge-back": words.mergeBack, "merge-cancel": words.cancel, "erase-do": words.eraseDo,
    "erase-cancel": words.cancel,
  };
  for (const [id, value] of Object.entries(text)) $(id).textContent = value;
  household.renderLabels(words);
  const language = $("language");
  language.textContent = words.switchTo;
  language.setAttribute("aria-label", words.switchLabel);
  language.setAttribute("lang", words.lang === "ja" ? "en" : "ja");
}

function renderAll() {
  renderStatic();
  renderShelter();
  renderPicker();
  renderRoster();
  renderForm();
  renderDone();
  renderMerge();
  renderErase();
}

// ---- wiring ----
function bind() {
  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) signIn(token);
    else $("signin-error").textContent = t().badToken;
  });
  $("signout").addEventListener("click", () => signOut());
  document.addEventListener("visibilitychange", () => { if (!document.hidden && stale) refreshSoon(); });
  $("language").addEventListener("click", () => {
    state.lang = state.lang === "ja" ? "en" : "ja";
    saveLanguage(LANG_KEY, state.lang);
    renderAll();
  });
  $("shelter-select").addEventListener("change", () => chooseShelter($("shelter-select").value));
  $("open-own").addEventListener("click", () => {
    state.rosterProblem = null;
    chooseShelter(state.me.shelter_id);
    $("roster-title").focus();
  });
  $("register").addEventListener("click", openRegister);
  $("refresh").addEventListener("click", () => loadRoster());
  $("csv").addEventListener("click", downloadCsv);
  $("filter").addEventListener("input", () => {
    state.filter = $("filter").value;
    renderRoster();
  });
  $("size").addEventListener("input", () => { if (state.form) state.form.sizeTouched = true; });
  $("form").addEventListener("submit", submitForm);
  $("form-cancel").addEventListener("click", () => backToRoster(state.form && state.form.focusKey));
  $("checkin-again").addEventListener("click", checkIn);
  $("print").addEventListener("click", () => {
    document.body.classList.add("printing-card");
    window.print();
    document.body.classList.remove("printing-card");
  });
  $("done-back").addEventListener("click", () => {
    forgetCard();
    state.done = null;
    backToRoster();
  });
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
  $("merge-cancel").addEventListener("click", () => $("merge-dialog").close());
  $("merge-dialog").addEventListener("close", () => {
    const opener = state.merge && state.merge.opener;
    state.merge = null;
    for (const id of ["merge-keep", "merge-from", "merge-records", "merge-what"]) $(id).replaceChildren(); // no names left behind
    refocus(opener);
  });
  $("erase-do").addEventListener("click", eraseDo);
  $("erase-cancel").addEventListener("click", () => $("erase-dialog").close());
  $("erase-dialog").addEventListener("close", () => {
    const opener = state.erase && state.erase.opener;
    state.erase = null;
    $("erase-what").replaceChildren();
    refocus(opener);
  });
}

// After a dialog closes, focus goes back to the button that opened it, if nothing else took it.
function refocus(key) {
  const active = document.activeElement;
  if (active && active !== document.body) return;
  const target = key && document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  (target || $("roster-title")).focus();
}

saveLanguage(LANG_KEY, state.lang);
bind();
renderStatic();
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved, { restoring: true }).finally(() => { document.body.dataset.ready = "true"; });
} else {
  document.body.dataset.ready = "true";
}
