// The kiosk's header and status lines: the shelter, how many are inside and its level,
// whether the kiosk is online, and what waits in the outbox.
import { $ } from "../dashboard/common/dom.js";
import { here, state, t, time } from "./state.js";

export function renderHeader() {
  const words = t();
  const shelter = here();
  $("shelter-name").textContent = shelter ? shelter.name : words.title;
  $("inside").textContent = shelter ? words.insideValue(shelter.occupancy, shelter.capacity) : "–";
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
