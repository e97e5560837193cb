// The HQ dashboard (/dashboard): every shelter's occupancy live, totals that add up,
// alerts with a beep, 24 hours of arrivals and departures, and, signed in with the hq
// token, needs, kiosk enrolment cards, pre-printed pass sheets and the audit log.
//
// Wall mode (the button, or /dashboard#wall) is for a 1920×1080 screen read from across
// the room: totals, one bar per shelter, alerts and the needs summary, with no scrolling
// for up to 30 shelters.
import { STRINGS } from "../common/strings.js";
import { errorText, locale, saveLanguage, savedLanguage, shelterName, wordsFor } from "../common/i18n.js";
import { LEVEL_ICONS, announceLevel, showStatus } from "../common/live.js";
import { LiveFeed } from "../common/feed.js";
import { html, setTexts, svg } from "../common/dom.js";
import { apiJson, apiResponse } from "../common/api.js";
import { deviceTokens, forgetDevices, refreshDevices, renderDevices, revokeDevice } from "./devices.js";
import { bindReports } from "./reports.js";
import { Alerts, Beeper, KIOSK_SILENT_MS, NEEDS_WINDOW_MS } from "./alerts.js";
import { SPACE_KINDS, forecastOf, levelWords, overBy, spaceOf } from "../common/watch.js";

const LANG_KEY = "shelter.lang"; // shared with the public page and the staff desk

let lang = savedLanguage(LANG_KEY, STRINGS);
let status = { state: "connecting", since: null };
let flows = null;
let needs = null;
let flowsTimer = null;
const levelsSeen = new Map();
const TOKEN_KEY = "shelter.hq";
const WALL_KEY = "shelter.hq.wall";
const MUTE_KEY = "shelter.hq.mute";
const alerts = new Alerts();
let beeps = 0;
const beeper = new Beeper(() => {
  beeps += 1;
  document.getElementById("alerts-panel").dataset.beeps = String(beeps);
});
beeper.muted = localStorage.getItem(MUTE_KEY) === "1";
let wall = location.hash === "#wall" || localStorage.getItem(WALL_KEY) === "1";

const feed = new LiveFeed({
  onState: (changed) => {
    if (changed) announce(changed);
    raise(alerts.shelters(changed ? [changed] : [...feed.shelters.values()]));
    render(changed ? changed.id : null);
    if (!changed) renderCardShelters();
    refreshFlowsSoon();
  },
  onStatus: (state, since) => {
    status = { state, since };
    renderStatus();
  },
  onMessage: (message) => {
    if (message.type === "needs") {
      needs = message.data;
      raise(alerts.needs(needs));
      renderNeeds();
    } else if (message.type === "auth" && message.role !== "hq") {
      signOut(t().signInFailed);
    }
  },
});

function t() {
  return wordsFor(STRINGS, lang);
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function announce(shelter) {
  announceLevel(levelsSeen, shelter, t());
}

function bar(shelter) {
  const width = 200;
  const ratio = shelter.capacity > 0 ? Math.min(shelter.occupancy / shelter.capacity, 1.25) : 0;
  const box = svg("svg", { viewBox: `0 0 ${width} 16`, preserveAspectRatio: "none", "aria-hidden": "true" });
  box.append(svg("rect", { x: 0, y: 0, width, height: 16, fill: "#e9ecef", rx: 4 }));
  box.append(svg("rect", { x: 0, y: 0, width: Math.min(ratio, 1) * width, height: 16, rx: 4,
    class: `fill-${shelter.level}` }));
  box.append(svg("line", { x1: width * 0.999, x2: width * 0.999, y1: 0, y2: 16, stroke: "#1b1f24" }));
  return box;
}

function sparkline(id) {
  const series = flows && flows.shelters[id] ? flows.shelters[id].occupancy : null;
  const box = svg("svg", { viewBox: "0 0 100 24", preserveAspectRatio: "none", role: "img",
    "aria-label": t().trend });
  if (!series || !series.length) return box;
  const top = Math.max(1, ...series);
  const points = series.map((v, i) => `${(i / Math.max(series.length - 1, 1)) * 100},${22 - (v / top) * 20}`);
  box.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: "#0b57d0", "stroke-width": 1.5 }));
  return box;
}

// The spaces a shelter has, as "車いす対応 2/5" (inside/capacity), one per kind.
function spaceItems(shelter, names) {
  const words = t();
  return SPACE_KINDS.map((kind) => spaceOf(shelter, kind)).filter(Boolean).map((space) =>
    html("span", { class: space.vacancy <= 0 ? "space full" : "space", "data-kind": space.kind },
      `${names[space.kind]} ${words.spaceUse(space.occupancy, space.capacity)}`));
}

// Items with a space between them, so text and screen readers keep them apart.
function spaced(items) {
  return items.flatMap((item, i) => (i ? [" ", item] : [item]));
}

// The server's forecast (watch.js forecastOf): net people per hour, and when that fills the
// shelter if it does within the server's horizon.
function forecastWords(shelter, short) {
  const words = t();
  const forecast = forecastOf(shelter);
  if (!forecast) return "";
  const rate = Math.round(forecast.net_per_hour);
  const parts = [];
  if (!short || rate !== 0) parts.push(short ? words.perHourShort(rate) : words.perHour(rate));
  if (forecast.full_at) {
    const at = clockShort(forecast.full_at);
    parts.push(short ? words.fullAtShort(at) : words.fullAt(at));
  }
  return parts.join(" · ");
}

function render(changedId = null) {
  const words = t();
  const list = [...feed.shelters.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const s of list) if (!levelsSeen.has(s.id)) levelsSeen.set(s.id, s.level);
  const rows = list.map((s) => {
    const row = html("tr", { "data-id": s.id, class: s.id === changedId ? "changed" : "" },
      html("th", { scope: "row" }, shelterName(s, lang)),
      html("td", {}, html("span", { class: "level", "data-level": s.level },
        html("span", { "aria-hidden": "true" }, LEVEL_ICONS[s.level]), levelWords(s, words))),
      html("td", {}, html("div", { class: "occupancy" }, words.occupancy(s.occupancy, s.capacity)),
        html("div", { class: "bar" }, bar(s))),
      html("td", { class: "num vacancy" }, s.vacancy > 0 || !overBy(s) ? s.vacancy : words.over(overBy(s))),
      html("td", { class: "spaces" }, ...spaced(spaceItems(s, words.spaceNames))),
      html("td", { class: "forecast" }, forecastWords(s, false)),
      html("td", { class: "num outside" }, s.outside || 0),
      html("td", { class: "spark" }, sparkline(s.id)));
    return row;
  });
  document.getElementById("rows").replaceChildren(...rows);
  renderTotals();
  if (wall) renderWall(list);
}

// The totals, and the sum that shows they add up: inside = capacity - room + over (+ people
// in closed shelters). All from the server's totals.
function renderTotals() {
  const totals = feed.totals;
  if (!totals) return;
  const over = totals.over || 0;
  const closed = totals.in_closed || 0;
  document.getElementById("total-occupancy").textContent = totals.occupancy;
  document.getElementById("total-capacity").textContent = totals.capacity;
  document.getElementById("total-vacancy").textContent = totals.vacancy;
  document.getElementById("total-over").textContent = over;
  document.getElementById("total-closed").textContent = closed;
  // People outside (car, tent, home) are not in occupancy nor in the sum below: their own
  // total, from the shelters' counts.
  document.getElementById("total-outside").textContent =
    [...feed.shelters.values()].reduce((sum, s) => sum + (s.outside || 0), 0);
  document.getElementById("closed-total").hidden = closed === 0;
  document.getElementById("sums").textContent =
    t().sums(totals.occupancy, totals.capacity, totals.vacancy, over, closed);
}

// Wall mode: one line per shelter in two columns, filled top to bottom.
function renderWall(list) {
  const words = t();
  const box = document.getElementById("wall-rows");
  box.style.setProperty("--rows", String(Math.max(8, Math.ceil(list.length / 2))));
  box.replaceChildren(...list.map((s) => {
    const ratio = s.capacity > 0 ? Math.min(s.occupancy / s.capacity, 1) : s.occupancy > 0 ? 1 : 0;
    const over = overBy(s);
    const fill = html("span", { class: `wall-fill fill-bg-${s.level}` });
    fill.style.width = `${(ratio * 100).toFixed(1)}%`;
    return html("div", { class: "wall-row", "data-id": s.id, "data-level": s.level },
      html("span", { class: "wall-name" }, shelterName(s, lang)),
      html("span", { class: "level", "data-level": s.level },
        html("span", { "aria-hidden": "true" }, LEVEL_ICONS[s.level]), words.levels[s.level]),
      html("span", { class: "wall-count", "data-num": "" }, `${s.occupancy}/${s.capacity}`),
      html("span", { class: over ? "wall-room over" : "wall-room", "data-num": "" },
        over ? words.over(over) : s.open ? String(s.vacancy) : "–"),
      wallExtra(s, words),
      html("span", { class: "wall-bar", "aria-hidden": "true" }, fill));
  }));
}

// The wall's second line, small: spaces, forecast and people outside, when there are any.
function wallExtra(s, words) {
  const items = spaceItems(s, words.spaceShort);
  const forecast = forecastWords(s, true);
  if (forecast) items.push(html("span", { class: "wall-forecast" }, forecast));
  if (s.outside > 0) items.push(html("span", { class: "wall-outside" }, words.outsideShort(s.outside)));
  return html("span", { class: "wall-extra" }, ...spaced(items));
}

// ---- Alerts ---------------------------------------------------------------------------

function raise(raised) {
  if (!raised.length) return;
  renderAlerts(raised);
  beeper.beep();
}

function alertText(alert, words) {
  const shelter = alert.shelter ? feed.shelters.get(alert.shelter) : null;
  const name = shelter ? shelterName(shelter, lang) : alert.shelter || "";
  if (alert.kind === "over") return words.alertOver(name, alert.n);
  if (alert.kind === "filling") return words.alertFilling(name, clockShort(alert.fullAt));
  if (alert.kind === "silent") return words.alertSilent(alert.label, name, KIOSK_SILENT_MS / 60000);
  return words.alertNeeds(name, alert.n, NEEDS_WINDOW_MS / 60000);
}

function clockShort(time) {
  return new Date(time).toLocaleTimeString(locale(lang), { hour: "2-digit", minute: "2-digit", hour12: false });
}

function renderAlerts(fresh = []) {
  const words = t();
  const list = document.getElementById("alerts");
  document.getElementById("alerts-empty").hidden = alerts.items.length > 0;
  list.replaceChildren(...alerts.items.map((alert) => html("li", {
    class: `alert ${alert.kind}${fresh.includes(alert) ? " new" : ""}${alerts.active.get(alert.key) === alert ? "" : " past"}`,
    "data-kind": alert.kind, "data-shelter": alert.shelter || "",
  }, html("time", { datetime: alert.at.toISOString() }, clockShort(alert.at)), " ", alertText(alert, words))));
  if (fresh.length) {
    document.getElementById("alert-announcer").textContent = alertText(fresh[0], words);
    const panel = document.getElementById("alerts-panel");
    panel.classList.remove("ringing");
    void panel.offsetWidth; // restart the flash
    panel.classList.add("ringing");
  }
}

function renderMute() {
  const button = document.getElementById("mute");
  button.textContent = beeper.muted ? t().unmute : t().mute;
  button.setAttribute("aria-pressed", String(beeper.muted));
}

document.getElementById("mute").addEventListener("click", () => {
  beeper.muted = !beeper.muted;
  localStorage.setItem(MUTE_KEY, beeper.muted ? "1" : "0");
  renderMute();
});

// Audio may start only after a click on the page: any click unlocks it.
document.addEventListener("click", () => beeper.unlock(), { capture: true });

function showWall() {
  document.body.classList.toggle("wall", wall);
  document.getElementById("wall-rows").hidden = !wall;
  document.getElementById("shelters-scroll").hidden = wall;
  const button = document.getElementById("wall-toggle");
  button.setAttribute("aria-pressed", String(wall));
  button.textContent = wall ? t().wallExit : t().wall;
  // The wall has no column headers: its heading says what the numbers are.
  document.getElementById("shelters-title").textContent = wall ? t().wallLegend : t().shelters;
  render();
}

document.getElementById("wall-toggle").addEventListener("click", () => {
  wall = !wall;
  localStorage.setItem(WALL_KEY, wall ? "1" : "0");
  showWall();
});

// The alerts that move with the clock (filling fast, silent kiosks) are re-read every
// 30 seconds even when nothing else happens.
setInterval(() => {
  raise([...alerts.shelters([...feed.shelters.values()]), ...alerts.kiosks(deviceTokens())]);
  renderAlerts();
}, 30000);

function renderFlows() {
  const box = document.getElementById("flows");
  if (!flows) return;
  const words = t();
  const hours = flows.hours.length;
  const arrivals = new Array(hours).fill(0);
  const departures = new Array(hours).fill(0);
  for (const series of Object.values(flows.shelters)) {
    series.arrivals.forEach((v, i) => { arrivals[i] += v; });
    series.departures.forEach((v, i) => { departures[i] += v; });
  }
  const width = 960, height = 220, left = 40, bottom = 28;
  const top = Math.max(1, ...arrivals, ...departures);
  const step = (width - left) / hours;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "flows-title" });
  const y = (v) => height - bottom - (v / top) * (height - bottom - 10);
  chart.append(svg("line", { x1: left, x2: width, y1: y(0), y2: y(0), stroke: "#4a525c" }));
  chart.append(svg("text", { x: 0, y: y(top) + 4 }, String(top)));
  chart.append(svg("text", { x: 0, y: y(0) }, "0"));
  flows.hours.forEach((hour, i) => {
    const x = left + i * step;
    chart.append(svg("rect", { x: x + 2, y: y(arrivals[i]), width: step / 2 - 3, height: y(0) - y(arrivals[i]), class: "arrivals" }));
    chart.append(svg("rect", { x: x + step / 2, y: y(departures[i]), width: step / 2 - 3, height: y(0) - y(departures[i]), class: "departures" }));
    if (i % 3 === 0) {
      const label = new Date(hour).toLocaleTimeString(locale(lang), { hour: "2-digit", minute: "2-digit", hour12: false });
      chart.append(svg("text", { x: x + 2, y: height - 8 }, label));
    }
  });
  const legend = html("p", { class: "legend" },
    html("span", {}, html("span", { class: "swatch arrivals", "aria-hidden": "true" }), `${words.arrivals} ${arrivals.reduce((a, b) => a + b, 0)}`),
    html("span", {}, html("span", { class: "swatch departures", "aria-hidden": "true" }), `${words.departures} ${departures.reduce((a, b) => a + b, 0)}`));
  box.replaceChildren(chart, legend);
}

function renderNeeds() {
  const box = document.getElementById("needs");
  const hint = document.getElementById("needs-hint");
  const summary = document.getElementById("needs-summary");
  if (!needs || !token()) {
    box.replaceChildren();
    summary.replaceChildren();
    hint.hidden = false;
    return;
  }
  hint.hidden = true;
  const words = t();
  const kinds = Object.keys(words.needNames);
  const ids = Object.keys(needs.shelters).sort();
  const head = html("tr", {}, html("th", { scope: "col" }, words.shelters),
    html("th", { scope: "col", class: "num" }, words.households),
    html("th", { scope: "col", class: "num" }, words.people),
    ...kinds.map((k) => html("th", { scope: "col", class: "num" }, words.needNames[k])),
    html("th", { scope: "col", class: "num" }, words.pets));
  const total = { households: 0, people: 0, pets: 0, needs: Object.fromEntries(kinds.map((k) => [k, 0])) };
  const rows = ids.map((id) => {
    const n = needs.shelters[id];
    total.households += n.households; total.people += n.people; total.pets += n.pets;
    for (const k of kinds) total.needs[k] += n.needs[k] || 0;
    const shelter = feed.shelters.get(id);
    return html("tr", { "data-needs-id": id }, html("th", { scope: "row" }, shelter ? shelterName(shelter, lang) : id),
      html("td", { class: "num" }, n.households), html("td", { class: "num" }, n.people),
      ...kinds.map((k) => html("td", { class: "num", "data-need": k }, n.needs[k] || 0)),
      html("td", { class: "num" }, n.pets));
  });
  const foot = html("tr", { class: "total" }, html("th", { scope: "row" }, words.total),
    html("td", { class: "num" }, total.households), html("td", { class: "num" }, total.people),
    ...kinds.map((k) => html("td", { class: "num", "data-need-total": k }, total.needs[k])),
    html("td", { class: "num" }, total.pets));
  box.replaceChildren(html("table", { class: "needs" }, html("thead", {}, head),
    html("tbody", {}, ...rows), html("tfoot", {}, foot)));
  // The summary (all shelters) the wall screen shows: people who need care first.
  const withNeeds = ids.reduce((sum, id) => sum + (needs.shelters[id].with_needs || 0), 0);
  const chip = (label, value, key) => html("div", { class: "chip", "data-summary": key },
    html("span", { class: "chip-label" }, label), html("span", { class: "chip-num", "data-num": "" }, value));
  summary.replaceChildren(
    chip(words.withNeeds, withNeeds, "with_needs"), chip(words.households, total.households, "households"),
    chip(words.pets, total.pets, "pets"),
    ...kinds.filter((k) => total.needs[k] > 0).map((k) => chip(words.needNames[k], total.needs[k], k)));
}

async function refreshFlows() {
  flowsTimer = null;
  try {
    flows = await apiJson("/occupancy/flows?hours=24");
  } catch {
    return; // offline: the next refresh tries again
  }
  renderFlows();
  render();
}

function refreshFlowsSoon() {
  if (!flowsTimer) flowsTimer = setTimeout(refreshFlows, 2000);
}

function renderStatus() {
  showStatus(status, t());
}

function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.hqTitle;
  setTexts({
    title: words.hqTitle, "totals-title": words.totals, "t-inside": words.inside,
    "t-capacity": words.capacity, "t-vacancy": words.vacancy, "shelters-title": words.shelters,
    "h-shelter": words.shelters, "h-level": words.level, "h-inside": words.inside,
    "h-vacancy": words.vacancy, "h-trend": words.trend,
    "h-spaces": words.spaces, "h-forecast": words.forecast, "h-outside": words.outsideHead,
    "t-outside": words.outside, "flows-title": words.flows,
    "needs-title": words.needs, "needs-hint": words.needsHint, "token-label": words.tokenLabel,
    "signin-button": words.signIn, signout: words.signOut, "signed-in-text": words.signedIn,
    "signin-title": words.signIn, "cards-title": words.cards, "cards-help": words.cardsHelp,
    "card-shelter-label": words.cardShelter, "card-label-label": words.cardLabel,
    "card-make": words.cardMake, "card-title": words.cardTitle, "card-warning": words.cardWarning,
    "card-print": words.print, "sheet-title": words.sheet, "sheet-help": words.sheetHelp,
    "sheet-count-label": words.sheetCount, "sheet-make": words.sheetMake,
    "sheet-link": words.sheetDownload, "audit-title": words.audit, "audit-help": words.auditHelp,
    "audit-refresh": words.auditRefresh, "staff-link": words.staffLink,
    "devices-title": words.devices, "devices-help": words.devicesHelp,
    "devices-refresh": words.devicesRefresh, "t-over": words.totalOver, "t-closed": words.totalClosed,
    "alerts-title": words.alerts, "alerts-empty": words.alertsEmpty,
    "reports-title": words.reports, "reports-help": words.reportsHelp,
    "report-day-label": words.reportDay, "report-daily": words.reportDaily,
    "report-supplies": words.reportSupplies,
  });
  renderMute();
  showWall();
  renderAlerts();
  document.getElementById("card-qr").alt = words.cardQr;
  document.getElementById("card-steps").replaceChildren(...words.cardSteps.map((step) => html("li", {}, step)));
  renderCardShelters();
  renderAudit();
  showDevices();
  const button = document.getElementById("language");
  button.textContent = words.language;
  button.setAttribute("lang", lang === "ja" ? "en" : "ja");
  button.setAttribute("aria-label", words.languageLabel);
  renderStatus();
  render();
  renderFlows();
  renderNeeds();
}

function showSignedIn(signedIn) {
  document.body.classList.toggle("signed-in", signedIn);
  document.getElementById("signin").hidden = signedIn;
  document.getElementById("signed-in").hidden = !signedIn;
  document.getElementById("cards").hidden = !signedIn;
  document.getElementById("sheet").hidden = !signedIn;
  document.getElementById("audit").hidden = !signedIn;
  document.getElementById("devices").hidden = !signedIn;
  document.getElementById("reports").hidden = !signedIn;
  if (signedIn) {
    refreshAudit();
    updateDevices();
  } else {
    audit = null;
    forgetDevices();
  }
  if (!signedIn) document.getElementById("card").hidden = true;
}

// Kiosk enrolment cards: a new kiosk token whose QR opens /kiosk#enrol=<token>. The token
// is shown only on this card; the server keeps only its hash.
function renderCardShelters() {
  const select = document.getElementById("card-shelter");
  const chosen = select.value;
  const shelters = [...feed.shelters.values()].sort((a, b) => a.id.localeCompare(b.id));
  select.replaceChildren(...shelters.map((s) => html("option", { value: s.id }, `${s.id} ${shelterName(s, lang)}`)));
  if (chosen) select.value = chosen;
}

document.getElementById("card-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const shelterId = document.getElementById("card-shelter").value;
  const label = document.getElementById("card-label").value.trim();
  let card;
  try {
    card = await apiJson("/tokens/enrolment", {
      method: "POST", token: token(), body: { role: "kiosk", shelter_id: shelterId, label },
    });
  } catch {
    document.getElementById("card-error").textContent = t().cardFailed;
    return;
  }
  const shelter = feed.shelters.get(shelterId);
  document.getElementById("card-error").textContent = "";
  document.getElementById("card-qr").src = card.qr_png;
  document.getElementById("card-where").textContent =
    [shelter ? shelterName(shelter, lang) : shelterId, label].filter(Boolean).join(" · ");
  document.getElementById("card").hidden = false;
});

// The audit log: who read or changed personal data, newest first (hq only). Token ids are
// shown with the label HQ gave each token.
let audit = null;

async function refreshAudit() {
  try {
    const [entries, tokens] = await Promise.all([
      apiJson("/audit?limit=50", { token: token() }),
      apiJson("/tokens", { token: token() }),
    ]);
    audit = { entries, labels: new Map(tokens.map((made) => [made.id, made.label])) };
  } catch {
    return; // offline: the next refresh tries again
  }
  renderAudit();
}

function renderAudit() {
  const box = document.getElementById("audit-table");
  if (!audit) {
    box.replaceChildren();
    return;
  }
  const words = t();
  if (!audit.entries.length) {
    box.replaceChildren(html("p", { class: "muted" }, words.auditEmpty));
    return;
  }
  const head = html("tr", {}, ...[words.auditWhen, words.auditWho, words.auditWhat, words.auditWhere,
    words.auditHousehold].map((label) => html("th", { scope: "col" }, label)));
  const rows = audit.entries.map((entry) => {
    const label = audit.labels.get(entry.token_id);
    const who = `${entry.role}${label ? ` · ${label}` : ""} (${entry.token_id})`;
    return html("tr", { "data-action": entry.action },
      html("td", {}, new Date(entry.at).toLocaleString(locale(lang), { hour12: false })),
      html("td", {}, who),
      html("td", {}, words.auditActions[entry.action] || entry.action),
      html("td", {}, entry.shelter_id || ""),
      html("td", {}, entry.household_id ? `…${entry.household_id.slice(-6)}` : ""));
  });
  box.replaceChildren(html("table", { class: "audit" }, html("thead", {}, head), html("tbody", {}, ...rows)));
}

document.getElementById("audit-refresh").addEventListener("click", refreshAudit);

// Kiosks and tokens: see devices.js. Refreshed when shown, on the button, and every
// minute while signed in (kiosks report as often).
function showDevices() {
  renderDevices({ words: t(), lang, shelters: feed.shelters, onRevoke: revoke });
}

async function updateDevices() {
  await refreshDevices(token());
  showDevices();
  raise(alerts.kiosks(deviceTokens()));
}

async function revoke(made, label) {
  const words = t();
  if (!window.confirm(words.revokeConfirm(label))) return;
  document.getElementById("devices-error").textContent = await revokeDevice(token(), made, words);
  await updateDevices();
  refreshAudit();
}

document.getElementById("devices-refresh").addEventListener("click", updateDevices);
bindReports({ token, words: t, lang: () => lang });
setInterval(() => {
  if (token()) updateDevices(); // also while the panel is hidden: silent kiosks raise alerts
}, 60000);

// Pre-printed passes: N new passes with no name, as an A4 PDF made by the server.
let sheetUrl = null;
document.getElementById("sheet-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const count = Number(document.getElementById("sheet-count").value);
  const status = document.getElementById("sheet-status");
  const link = document.getElementById("sheet-link");
  let response;
  try {
    response = await apiResponse("/passes/sheet", { method: "POST", token: token(), body: { count } });
  } catch {
    status.textContent = t().sheetFailed;
    link.hidden = true;
    return;
  }
  if (sheetUrl) URL.revokeObjectURL(sheetUrl);
  sheetUrl = URL.createObjectURL(await response.blob());
  link.href = sheetUrl;
  link.hidden = false;
  status.textContent = t().sheetReady(Number(response.headers.get("X-Pass-Count")) || count);
});

document.getElementById("card-print").addEventListener("click", () => {
  document.body.classList.add("printing-card");
  window.print();
  document.body.classList.remove("printing-card");
});

function signIn(secret) {
  // The token goes only into the socket's first message and a Bearer header, never a URL.
  sessionStorage.setItem(TOKEN_KEY, secret);
  feed.firstMessage = { type: "auth", token: secret };
  feed.send(feed.firstMessage);
  showSignedIn(true);
  document.getElementById("signin-error").textContent = "";
}

function signOut(error = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  feed.firstMessage = null;
  needs = null;
  showSignedIn(false);
  document.getElementById("signin-error").textContent = error;
  renderNeeds();
}

document.getElementById("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const typed = document.getElementById("token").value.trim();
  try {
    needs = await apiJson("/needs", { token: typed });
  } catch (error) {
    signOut(error.status === 0 ? errorText(t(), error) : t().signInFailed);
    return;
  }
  document.getElementById("token").value = "";
  // The breakdown read at sign-in is the needs alerts' first sample: a jump is measured
  // from it, even if the live feed sends its first breakdown only after the jump.
  raise(alerts.needs(needs));
  signIn(typed);
  renderNeeds();
});

document.getElementById("signout").addEventListener("click", () => signOut());

document.getElementById("language").addEventListener("click", () => {
  lang = lang === "ja" ? "en" : "ja";
  // What was read out stays in the old language otherwise.
  document.getElementById("announcer").textContent = "";
  document.getElementById("alert-announcer").textContent = "";
  saveLanguage(LANG_KEY, lang);
  renderStatic();
});

saveLanguage(LANG_KEY, lang);
renderStatic();
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else showSignedIn(false);
feed.start();
refreshFlows();
setInterval(refreshFlows, 30000);
