// What the public page and HQ show of the live feed: the connection indicator, the level
// icons, and a level change read out to screen readers.
import { clock, shelterName } from "./i18n.js";

export const LEVEL_ICONS = {
  available: "○", crowded: "△", nearly_full: "▲", full: "✕", closed: "－",
};

// Tell screen readers when a shelter's level changes (counts change too often to be read).
export function announceLevel(levelsSeen, shelter, words) {
  const before = levelsSeen.get(shelter.id);
  levelsSeen.set(shelter.id, shelter.level);
  if (before && before !== shelter.level) {
    document.getElementById("announcer").textContent = words.changed(
      shelterName(shelter, words.lang), words.levels[shelter.level]);
  }
}

// The connection indicator: live, connecting, reconnecting, or stale since a time.
export function showStatus(status, words) {
  document.getElementById("status").dataset.state = status.state;
  const since = status.since ? clock(status.since, words.lang) : "";
  document.getElementById("status-text").textContent =
    status.state === "stale" ? words.stale(since) : words[status.state] || words.connecting;
}
