// The shelter the desk works for: its name and live count at the top, the picker an hq
// token gets, and the live feed that tells the roster when to read itself again.
import { $, html } from "../common/dom.js";
import { shelterName } from "../common/i18n.js";
import { LiveFeed } from "../common/feed.js";
import { state, t } from "./desk.js";
import { rememberShelter } from "./session.js";
import { loadRoster, refreshSoon, renderRoster } from "./roster.js";
import { forgetDepartures, renderDepartures } from "./departures.js";
import { forgetFind } from "./find.js";

export const feed = new LiveFeed({
  onState: (changed) => {
    renderShelter();
    if (!changed || changed.id === state.shelterId) refreshSoon();
  },
  onStatus: () => {},
});

function currentShelter() {
  return feed.shelters.get(state.shelterId) || state.shelters.find((s) => s.id === state.shelterId) || null;
}

export function chooseShelter(id) {
  state.shelterId = id;
  state.roster = null;
  forgetDepartures();
  forgetFind();
  rememberShelter(id);
  history.replaceState(null, "", `#${encodeURIComponent(id)}`);
  renderShelter();
  renderRoster();
  renderDepartures();
  loadRoster();
}

export function renderShelter() {
  const words = t();
  const shelter = currentShelter();
  $("shelter-name").textContent = shelter ? `${shelter.id} ${shelterName(shelter, state.lang)}` : (state.shelterId || "");
  $("occupancy").textContent = shelter ? words.inside(shelter.occupancy, shelter.capacity) : "";
  if (state.me) $("who").textContent = words.signedInAs(state.me.label, state.me.role);
}

export function renderPicker() {
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

export function bindShelter() {
  $("shelter-select").addEventListener("change", () => chooseShelter($("shelter-select").value));
  $("open-own").addEventListener("click", () => {
    state.rosterProblem = null;
    chooseShelter(state.me.shelter_id);
    $("roster-title").focus();
  });
}
