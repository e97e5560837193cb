// Who left the shelter today (Japan time): check-outs and moves away, with times, under the
// roster. Read only when staff ask for it, since every read is audited.
import { $, html } from "../common/dom.js";
import { locale } from "../common/i18n.js";
import { problemText, state, t } from "./desk.js";
import { call } from "./session.js";

function japanTime(iso) {
  return new Date(iso).toLocaleTimeString(locale(state.lang),
    { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Tokyo" });
}

function who(entry) {
  const words = t();
  if (entry.erased) return words.erasedName;
  if (entry.anonymous || !entry.members.length) return words.noName;
  return entry.members.map((m) => m.name).join("、");
}

async function loadDepartures() {
  const shelterId = state.shelterId;
  if (!shelterId) return;
  $("departures-load").disabled = true;
  try {
    const data = await call(`/shelters/${encodeURIComponent(shelterId)}/departures`);
    state.departures = { shelterId, data };
    $("departures-summary").dataset.problem = "";
  } catch (error) {
    state.departures = null;
    if (error.status !== 401) $("departures-summary").dataset.problem = problemText(error);
  } finally {
    $("departures-load").disabled = false;
    renderDepartures();
  }
}

export function renderDepartures() {
  const words = t();
  $("departures-title").textContent = words.departuresTitle;
  $("departures-load").textContent = words.departuresLoad;
  $("dh-time").textContent = words.colTime;
  $("dh-household").textContent = words.colHousehold;
  $("dh-people").textContent = words.colPeople;
  $("dh-where").textContent = words.colWhere;
  const shown = state.departures && state.departures.shelterId === state.shelterId ? state.departures.data : null;
  const problem = $("departures-summary").dataset.problem || "";
  $("departures-table").hidden = !shown || !shown.entries.length;
  if (!shown) {
    $("departures-summary").textContent = problem;
    $("departure-rows").replaceChildren();
    return;
  }
  $("departures-summary").textContent = shown.entries.length
    ? words.departuresSummary(shown.households, shown.people) : words.departuresNone;
  $("departure-rows").replaceChildren(...shown.entries.map((entry) => html("tr", {},
    html("td", { "data-label": words.colTime }, html("time", { datetime: entry.at }, japanTime(entry.at))),
    html("td", { class: "household", "data-label": words.colHousehold }, who(entry)),
    html("td", { class: "num", "data-label": words.colPeople }, String(entry.people)),
    html("td", { "data-label": words.colWhere },
      entry.kind === "moved" ? words.movedTo(entry.to_shelter_id) : words.checkedOut))));
}

export function forgetDepartures() {
  state.departures = null;
  $("departures-summary").dataset.problem = "";
  $("departure-rows").replaceChildren();
}

export function bindDepartures() {
  $("departures-load").addEventListener("click", loadDepartures);
}
