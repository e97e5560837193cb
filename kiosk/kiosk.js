// The entrance kiosk: enrol once, then scan passes in or out, online or not.
//
// A scan becomes an event with its own UUID and the time it happened, is written to the
// IndexedDB outbox, and only then is sent. Online, the server's answer (household size,
// moved, over capacity) is shown; offline, or when the answer is slow, the kiosk confirms
// at once from the outbox and the Sync loop uploads it later. Nothing is lost on reload:
// the outbox is in IndexedDB and the page itself is cached by the service worker.
import { LANGUAGES, strings } from "./i18n.js";
import { Outbox, Sync, wire } from "./outbox.js";
import { Camera, listenForWedge } from "./scanner.js";
import { LiveFeed } from "../dashboard/common/feed.js";
import { html } from "../dashboard/common/dom.js";

const ENROL_KEY = "shelter.kiosk";
const LANG_KEY = "shelter.kiosk.lang";
const MODE_KEY = "shelter.kiosk.mode";
// Past this, a scan is confirmed from the outbox and the answer arrives with the sync.
const ANSWER_WITHIN_MS = 1500;

const $ = (id) => document.getElementById(id);

const state = {
  enrolment: JSON.parse(localStorage.getItem(ENROL_KEY) || "null"),
  lang: localStorage.getItem(LANG_KEY) || "ja",
  mode: localStorage.getItem(MODE_KEY) === "out" ? "out" : "in",
  outbox: null,
  sync: null,
  feed: null,
  camera: null,
  cameraState: "stopped",
  status: { state: "connecting", since: null },
  pending: 0,
  sending: false,
  recent: [], // {id, label, status, tone, pass_code, at}
  refused: 0,
  result: null, // what the big panel shows: {tone, title, detail, alternatives}
  walkInCount: 1,
  unauthorized: false,
  offlineSince: navigator.onLine ? null : new Date(),
};

function t() {
  return strings(state.lang);
}

// ---- sound: short tones made on the spot (nothing to download, works offline) ----
let audio = null;
function beep(ok) {
  try {
    audio = audio || new AudioContext();
    const notes = ok ? [880, 1320] : [220, 180];
    notes.forEach((frequency, i) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = ok ? "sine" : "square";
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.15;
      oscillator.connect(gain).connect(audio.destination);
      const start = audio.currentTime + i * 0.12;
      oscillator.start(start);
      oscillator.stop(start + 0.1);
    });
  } catch {
    // no audio device: the screen and the screen reader still say it
  }
}

// ---- pass codes: the same forgiving reading as the server's ----
export function normalizeCode(text) {
  const folded = text.normalize("NFKC").toUpperCase()
    .replace(/[\s\-‐－ー_]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-Z]{16,40}$/.test(folded) ? folded : null;
}

function enrolTokenIn(text) {
  const match = /[#&]enrol=([^&\s]+)/.exec(text);
  return match ? decodeURIComponent(match[1]) : null;
}

// ---- rendering ----
function shelter() {
  return state.feed && state.enrolment ? state.feed.shelters.get(state.enrolment.shelter_id) : null;
}

function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = `${words.title}${shelter() ? ` · ${shelter().name}` : ""}`;
  const text = {
    "enrol-title": words.enrolTitle, "enrol-help": words.enrolHelp, "token-label": words.tokenLabel,
    "enrol-button": words.enrolButton, "enrol-scan": words.enrolScan,
    "enrol-shelter-label": words.enrolShelter, "mode-in-word": words.modeIn,
    "mode-out-word": words.modeOut, "mode-in-hint": words.modeInHint,
    "mode-out-hint": words.modeOutHint, "manual-label": words.manualLabel,
    "manual-button": words.manualButton, "walkin-open": words.walkIn,
    "walkin-title": words.walkInTitle, "walkin-question": words.walkInQuestion,
    "walkin-go": words.walkInGo, "walkin-cancel": words.cancel, "recent-title": words.recent,
    unenrol: words.unenrol, "pass-print": words.print, "pass-close": words.close,
    "pass-code-label": words.passCode, "pass-hint": words.passHint, "pass-heading": words.passTitle,
    "inside-label": words.inside,
  };
  for (const [id, value] of Object.entries(text)) $(id).textContent = value;
  $("mode").setAttribute("aria-label", words.modeGroup);
  $("languages").setAttribute("aria-label", words.languageGroup);
  $("walkin-fewer").setAttribute("aria-label", words.fewer);
  $("walkin-more").setAttribute("aria-label", words.more);
  $("camera-view").setAttribute("aria-label", words.cameraLabel);
  for (const button of $("languages").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
  }
  renderMode();
  renderCamera();
  renderWalkIn();
  renderHeader();
  renderResult();
  renderRecent();
  renderSync();
}

function renderMode() {
  $("mode-in").setAttribute("aria-pressed", String(state.mode === "in"));
  $("mode-out").setAttribute("aria-pressed", String(state.mode === "out"));
  document.body.dataset.mode = state.mode;
  $("walkin-open").hidden = state.mode !== "in";
}

function renderHeader() {
  const words = t();
  const here = shelter();
  $("shelter-name").textContent = here ? here.name : words.title;
  $("inside").textContent = here ? words.insideValue(here.occupancy, here.capacity) : "–";
  const level = $("level");
  level.hidden = !here;
  if (here) {
    level.dataset.level = here.level;
    level.textContent = words.levels[here.level];
  }
  // The browser knows first when the network is gone; the socket may take a while to notice.
  const shown = navigator.onLine ? state.status : { state: "stale", since: state.offlineSince };
  $("status").dataset.state = state.unauthorized ? "stale" : shown.state;
  const since = shown.since ? clock(shown.since) : "";
  $("status-text").textContent = shown.state === "stale"
    ? words.stale(since) : words[shown.state] || words.connecting;
}

function clock(date) {
  return date.toLocaleTimeString(state.lang === "en" ? "en-GB" : "ja-JP", { hour12: false });
}

function renderSync() {
  const words = t();
  $("pending").textContent = words.pending(state.pending);
  $("pending").dataset.count = String(state.pending);
  const last = state.sync && state.sync.lastSync;
  $("last-sync").textContent = state.sending ? words.sending
    : last ? words.lastSync(clock(last)) : words.neverSynced;
  $("refused").hidden = state.refused === 0;
  $("refused").textContent = words.syncFailed(state.refused);
}

function renderResult() {
  const words = t();
  const result = state.result || {
    tone: "idle", title: words.ready[state.mode], detail: words.readyDetail, alternatives: [],
  };
  const panel = $("result");
  panel.dataset.tone = result.tone;
  $("result-title").textContent = typeof result.title === "function" ? result.title(words) : result.title;
  $("result-detail").textContent = typeof result.detail === "function" ? result.detail(words) : result.detail || "";
  const list = $("alternatives");
  list.replaceChildren();
  if (result.alternatives && result.alternatives.length) {
    list.append(html("p", { class: "alt-title" }, words.alternatives));
    const items = html("ul");
    for (const alt of result.alternatives) {
      items.append(html("li", {}, `${alt.name} · ${words.placesLeft(alt.vacancy)}`));
    }
    list.append(items);
  }
}

function renderRecent() {
  const words = t();
  const list = $("recent-list");
  list.replaceChildren();
  if (!state.recent.length) {
    list.append(html("li", { class: "muted" }, words.recentNone));
    return;
  }
  for (const item of state.recent) {
    const label = item.pass ? words.passLabel(item.pass) : words.walkInLabel(item.headcount);
    const statusWord = { applied: words.statusApplied, queued: words.statusQueued,
      rejected: words.statusRejected }[item.status];
    const row = html("li", { "data-status": item.status, "data-id": item.id },
      html("span", { class: "when" }, clock(item.at)),
      html("span", { class: "what" }, `${item.kind === "in" ? words.modeIn : words.modeOut} · ${label}`),
      html("span", { class: "state" }, statusWord + (item.reason ? ` · ${item.reason}` : "")));
    if (item.newPass) {
      const button = html("button", { type: "button", class: "show-pass" }, words.showPass);
      button.addEventListener("click", () => showPass(item.newPass, item.headcount));
      row.append(button);
    }
    list.append(row);
  }
}

function renderCamera() {
  const words = t();
  const running = state.cameraState === "running";
  $("camera-toggle").textContent = running ? words.cameraStop : words.camera;
  $("enrol-scan").textContent = running ? words.cameraStop : words.enrolScan;
  $("camera-view").hidden = !running;
  const notes = { starting: words.cameraStarting, denied: words.cameraDenied,
    "no-decoder": words.cameraNoDecoder };
  $("camera-note").textContent = notes[state.cameraState] || "";
}

function renderWalkIn() {
  $("walkin-count").textContent = t().people(state.walkInCount);
}

// ---- the big confirmation ----
function show(result, { sound = true } = {}) {
  state.result = result;
  renderResult();
  if (sound) beep(result.tone === "ok");
  // A screen reader says the outcome. The same words twice in a row (two households of
  // three) must still be read, so the text alternates a trailing no-break space.
  const words = t();
  const said = [result.title, result.detail].map((part) =>
    (typeof part === "function" ? part(words) : part || "")).filter(Boolean).join("。");
  const announcer = $("announcer");
  announcer.textContent = announcer.textContent === said ? `${said}\u00a0` : said;
  clearTimeout(show.timer);
  show.timer = setTimeout(() => {
    state.result = null;
    renderResult();
  }, 8000);
}

function resultFromAnswer(answer, kind) {
  const size = answer.household_size;
  const detail = (words) => [answer.pass_code || answer.people ? words.household(size) : "",
    answer.shelter ? answer.shelter.name : ""].filter(Boolean).join(" · ");
  if (answer.effect === "none") {
    return { tone: "warn", title: (w) => (kind === "in" ? w.alreadyIn : w.notInside), detail };
  }
  const title = { checked_in: (w) => w.checkedIn(answer.people),
    checked_out: (w) => w.checkedOut(answer.people), moved: (w) => w.moved(answer.people) }[answer.effect];
  if (answer.over_capacity) {
    return { tone: "warn", title: (w) => `${title(w)} · ${w.overCapacity}`, detail,
      alternatives: answer.alternatives };
  }
  return { tone: "ok", title, detail };
}

function remember(item) {
  state.recent = [item, ...state.recent.filter((other) => other.id !== item.id)].slice(0, 8);
  renderRecent();
}

function updateRecent(id, change) {
  const item = state.recent.find((other) => other.id === id);
  if (item) Object.assign(item, change);
  renderRecent();
}

async function refreshPending() {
  state.pending = await state.outbox.count();
  renderSync();
}

// ---- recording an event ----
async function record(event, { walkIn = false } = {}) {
  const started = performance.now();
  await state.outbox.put(event); // durable first: from here on it cannot be lost
  refreshPending();
  const kind = event.kind === "check_in" ? "in" : "out";
  remember({ id: event.event_id, kind, pass: event.pass_code, headcount: event.headcount,
    status: "queued", at: new Date(event.occurred_at) });
  const queued = () => {
    show(walkIn
      ? { tone: "ok", title: (w) => w.walkInQueued(event.headcount), detail: (w) => w.walkInQueuedDetail }
      : { tone: "ok", title: (w) => w.queued[kind], detail: (w) => w.queuedDetail });
    mark(started, "queued");
    state.sync.soon();
  };
  if (!navigator.onLine) return queued();
  let response;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ANSWER_WITHIN_MS);
  try {
    response = await fetch("/api/v1/events", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${state.enrolment.token}` },
      body: JSON.stringify(wire(event)),
      signal: controller.signal,
      cache: "no-store",
    });
  } catch {
    return queued();
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 401) {
    unauthorized();
    return queued();
  }
  if (response.status === 429 || response.status >= 500) return queued();
  const answer = await response.json().catch(() => ({}));
  await state.outbox.remove([event.event_id]);
  await refreshPending();
  if (response.ok) {
    state.sync.lastSync = new Date();
    renderSync();
    state.feed.keep(answer.shelter);
    renderHeader();
    updateRecent(event.event_id, { status: "applied", newPass: walkIn ? answer.pass_code : null });
    if (walkIn) {
      showPass(answer.pass_code, event.headcount);
      show({ tone: "ok", title: (w) => w.walkInDone(event.headcount), detail: "" });
    } else {
      show(resultFromAnswer(answer, kind));
    }
    mark(started, "answered");
    return;
  }
  updateRecent(event.event_id, { status: "rejected", reason: answer.detail && String(answer.detail) });
  const words = {
    404: { title: (w) => w.unknownPass, detail: (w) => w.unknownPassDetail },
    403: { title: (w) => w.wrongShelter, detail: answer.detail },
  }[response.status] || { title: (w) => w.unreadable, detail: String(answer.detail || "") };
  show({ tone: "error", ...words });
  mark(started, "refused");
}

// How long from a scan to the confirmation on screen (read by bench/kiosk_latency.py).
function mark(started, outcome) {
  requestAnimationFrame(() => {
    window.kioskTimings = window.kioskTimings || [];
    window.kioskTimings.push({ outcome, ms: performance.now() - started });
  });
}

function newEvent(fields) {
  return {
    event_id: crypto.randomUUID(),
    shelter_id: state.enrolment.shelter_id,
    occurred_at: new Date().toISOString(),
    pass_code: null,
    headcount: null,
    ...fields,
  };
}

function onScan(text, source) {
  if (!state.enrolment) {
    const token = enrolTokenIn(text);
    if (token) enrol(token);
    return;
  }
  if ($("walkin").open || $("pass").open) return;
  const code = normalizeCode(text);
  if (!code) {
    show({ tone: "error", title: (w) => w.unreadable, detail: (w) => w.unreadableDetail });
    return;
  }
  record(newEvent({ kind: state.mode === "in" ? "check_in" : "check_out", pass_code: code }));
  if (source !== "manual") $("manual-code").value = "";
}

// ---- sync results (the outbox drained by the batch upload) ----
function onSyncResults(results) {
  for (const item of results) {
    if (item.status === "rejected") {
      state.refused += 1;
      updateRecent(item.event_id, { status: "rejected", reason: item.reason });
    } else {
      const walkIn = item.event && !item.event.pass_code;
      updateRecent(item.event_id, { status: "applied", newPass: walkIn ? item.pass_code : null });
    }
  }
  refreshPending();
}

function unauthorized() {
  state.unauthorized = true;
  show({ tone: "error", title: (w) => w.tokenRevoked, detail: "" });
  renderHeader();
}

// ---- walk-ins and the pass ----
function showPass(code, headcount) {
  $("pass-image").src = `/api/v1/passes/${code}.png`;
  $("pass-code").textContent = code.replace(/(.{4})(?=.)/g, "$1 ");
  $("pass-people").textContent = t().people(headcount || 1);
  $("pass-shelter").textContent = shelter() ? shelter().name : "";
  if (!$("pass").open) $("pass").showModal();
}

// ---- enrolment ----
async function enrol(token, shelterId = null) {
  const words = t();
  $("enrol-error").textContent = words.enrolChecking;
  let response;
  try {
    response = await fetch("/api/v1/tokens/me", {
      headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  } catch {
    $("enrol-error").textContent = words.enrolOffline;
    return;
  }
  if (!response.ok) {
    $("enrol-error").textContent = words.enrolBad;
    return;
  }
  const me = await response.json();
  let shelter_id = me.shelter_id;
  if (!shelter_id) { // an hq token may stand at any door: ask which
    shelter_id = shelterId || $("enrol-shelter").value;
    if (!shelter_id) {
      await offerShelters();
      $("enrol-error").textContent = "";
      return;
    }
  }
  state.enrolment = { token, shelter_id, role: me.role, label: me.label };
  localStorage.setItem(ENROL_KEY, JSON.stringify(state.enrolment));
  $("enrol-error").textContent = "";
  $("enrol-token").value = "";
  if (state.camera && state.camera.running) state.camera.stop();
  // Keep the outbox and the cached page even when the tablet runs short of space.
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  start();
}

async function offerShelters() {
  const response = await fetch("/api/v1/shelters", { cache: "no-store" });
  const select = $("enrol-shelter");
  select.replaceChildren(...(await response.json()).map((s) => html("option", { value: s.id }, `${s.id} ${s.name}`)));
  $("enrol-shelter-row").hidden = false;
}

function unenrol() {
  if (!confirm(t().unenrolConfirm)) return;
  localStorage.removeItem(ENROL_KEY);
  location.reload();
}

// ---- wiring ----
function bind() {
  for (const language of LANGUAGES) {
    const button = html("button", { type: "button", "data-lang": language.id, lang: language.id === "en" ? "en" : "ja" }, language.label);
    button.addEventListener("click", () => {
      state.lang = language.id;
      localStorage.setItem(LANG_KEY, state.lang);
      renderStatic();
    });
    $("languages").append(button);
  }
  for (const mode of ["in", "out"]) {
    $(`mode-${mode}`).addEventListener("click", () => {
      state.mode = mode;
      localStorage.setItem(MODE_KEY, mode);
      state.result = null;
      renderStatic();
    });
  }
  $("manual").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("manual-code").value;
    if (value.trim()) onScan(value, "manual");
    $("manual-code").value = "";
  });
  $("enrol-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("enrol-token").value.trim();
    if (value) enrol(enrolTokenIn(value) || value);
  });
  const toggleCamera = () => {
    if (state.camera.running) return state.camera.stop();
    // One video element, shown where the person looks: the enrolment form or the desk.
    $(state.enrolment ? "desk-camera" : "enrol-camera").append($("camera-view"));
    return state.camera.start();
  };
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("enrol-scan").addEventListener("click", toggleCamera);
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
  $("pass-close").addEventListener("click", () => $("pass").close());
  $("pass-print").addEventListener("click", () => window.print());
  $("unenrol").addEventListener("click", unenrol);
  window.addEventListener("online", () => {
    renderHeader();
    if (state.sync) state.sync.soon();
  });
  window.addEventListener("offline", () => {
    state.offlineSince = new Date();
    renderHeader();
  });
  window.addEventListener("hashchange", takeCardFromAddress);
  state.camera = new Camera($("camera-view"), onScan, (cameraState) => {
    state.cameraState = cameraState;
    renderCamera();
  });
  listenForWedge(onScan, { enabled: () => !$("walkin").open && !$("pass").open });
}

async function start() {
  $("enrol").hidden = true;
  $("desk").hidden = false;
  state.sync = new Sync({
    outbox: state.outbox,
    token: state.enrolment.token,
    onResults: onSyncResults,
    onState: ({ sending }) => {
      state.sending = sending;
      renderSync();
    },
    onUnauthorized: unauthorized,
  });
  state.feed = new LiveFeed({
    onState: () => renderHeader(),
    onStatus: (status, since) => {
      state.status = { state: status, since };
      renderHeader();
      if (status === "live") state.sync.soon();
    },
  });
  state.feed.start();
  await refreshPending();
  renderStatic();
  state.sync.soon();
  setInterval(() => state.sync.soon(), 15000);
}

// An enrolment card opens /kiosk#enrol=<token>: take it, then wipe it from the address
// bar and history. A fragment never reaches the server, so it is in no log either.
function takeCardFromAddress() {
  const token = enrolTokenIn(location.hash);
  if (token) history.replaceState(null, "", location.pathname);
  if (token && !state.enrolment) enrol(token);
  return token;
}

async function main() {
  bind();
  state.outbox = await Outbox.open();
  const fromCard = enrolTokenIn(location.hash);
  if (fromCard) history.replaceState(null, "", location.pathname);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk" }).catch(() => {});
  }
  renderStatic();
  if (fromCard) await enrol(fromCard);
  else if (state.enrolment) await start();
  else {
    $("enrol").hidden = false;
    $("enrol-token").focus();
  }
  document.body.dataset.ready = "true";
}

main();
