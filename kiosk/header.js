// The kiosk's header and status lines: the shelter, how many are inside and its level,
// whether the kiosk is online, and what waits in the outbox.
import { $ } from "../dashboard/common/dom.js";
import { locale } from "../dashboard/common/i18n.js";
import { here, state, t, time } from "./state.js";

// The shelter as last heard while online, kept across reloads: offline, the header still
// says where this is and how many are inside, marked with when that was last known.
const LAST_KEY = "shelter.kiosk.last";

function lastKnown() {
  try {
    const saved = JSON.parse(localStorage.getItem(LAST_KEY) || "null");
    const mine = saved && saved.shelter && state.enrolment
      && saved.shelter.id === state.enrolment.shelter_id;
    return mine ? saved : null;
  } catch {
    return null;
  }
}

// Called when the live feed or an answer told us the shelter's state.
export function keepLastKnown() {
  const shelter = here();
  if (shelter) localStorage.setItem(LAST_KEY, JSON.stringify({ shelter, at: Date.now() }));
}

function hoursMinutes(at) {
  return new Date(at).toLocaleTimeString(locale(state.lang), { hour: "2-digit", minute: "2-digit", hour12: false });
}

export function renderHeader() {
  const words = t();
  const live = navigator.onLine && state.status.state === "live" && !state.unauthorized;
  if (live && here()) keepLastKnown();
  const saved = live ? null : lastKnown();
  const shelter = saved ? saved.shelter : here();
  $("shelter-name").textContent = shelter ? shelter.name : words.title;
  // People staying outside (car, tent, home) are no part of the count against capacity.
  const outside = shelter && shelter.outside ? ` · ${words.outsideValue(shelter.outside)}` : "";
  $("inside").textContent = shelter
    ? words.insideValue(shelter.occupancy, shelter.capacity) + outside : "–";
  const asOf = $("as-of"); // absent from a page the service worker cached before it was added
  if (asOf) {
    asOf.hidden = !saved;
    asOf.textContent = saved ? words.asOf(hoursMinutes(saved.at)) : "";
  }
  const level = $("level");
  level.hidden = !shelter;
  if (shelter) {
    level.dataset.level = shelter.level;
    level.textContent = words.levels[shelter.level];
  }
  // The browser knows first when the network is gone; the socket may take a while to notice.
  const shown = navigator.onLine ? state.status : { state: "stale", since: state.offlineSince };
  $("status").dataset.state = state.unauthorized ? "stale" : shown.state;
  const since = shown.since ? time(shown.since) : "";
  $("status-text").textContent = shown.state === "stale"
    ? words.stale(since) : words[shown.state] || words.connecting;
}

export function renderSync() {
  const words = t();
  $("pending").textContent = words.pending(state.pending);
  $("pending").dataset.count = String(state.pending);
  const last = state.sync && state.sync.lastSync;
  $("last-sync").textContent = state.sending ? words.sending
    : last ? words.lastSync(time(last)) : words.neverSynced;
  $("refused").hidden = state.refused === 0;
  $("refused").textContent = words.syncFailed(state.refused);
}
