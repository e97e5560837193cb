// Who left the shelter today (Japan time): check-outs and moves away, with times, under the
// roster. Read only when staff ask for it, since every read is audited.
import { $, html } from "../common/dom.js";
import { locale } from "../common/i18n.js";
import { problemText, say, state, t } from "./desk.js";
import { call, callForResponse } from "./session.js";

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

// The same list as CSV for Excel (Japanese headers, or English on an English desk), fetched
// with the token in a header and saved from a blob.
async function downloadCsv() {
  const words = t();
  const shelterId = state.shelterId;
  try {
    const lang = state.lang === "en" ? "en" : "ja";
    const response = await callForResponse(`/shelters/${encodeURIComponent(shelterId)}/departures?format=csv&lang=${lang}`);
    const url = URL.createObjectURL(await response.blob());
    const link = html("a", { href: url, download: `departures-${shelterId}.csv`, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say(words.departuresCsvDone);
  } catch (error) {
    if (error.status !== 401) say(`${words.csvFailed} ${problemText(error)}`);
  }
}

export function renderDepartures() {
  const words = t();
  $("departures-title").textContent = words.departuresTitle;
  $("departures-load").textContent = words.departuresLoad;
  $("departures-csv").textContent = words.departuresCsv;
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
  $("departures-csv").addEventListener("click", downloadCsv);
}
