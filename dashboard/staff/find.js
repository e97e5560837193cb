// Finding a household that lost its pass: it registered from home and is in no shelter yet,
// so no roster shows it. Staff type one member's full name and year of birth, as the person
// says them; the server answers only an exact match (how many people, when registered),
// with no names. From a match one button checks the household in here (an ordinary
// check-in event, a retry-safe id per match) and shows its named card to print.
//
// The name travels only in a POST body; it is dropped from the page once the household is
// checked in, and on sign-out. Every look-up is audited by the server.
import { $, html } from "../common/dom.js";
import { uuid } from "../common/api.js";
import { errorText, locale } from "../common/i18n.js";
import { say, state, t } from "./desk.js";
import { call } from "./session.js";
import { showCardFor } from "./card.js";
import { loadRoster } from "./roster.js";

function registeredOn(iso) {
  return new Date(iso).toLocaleDateString(locale(state.lang),
    { year: "numeric", month: "long", day: "numeric", timeZone: "Asia/Tokyo" });
}

// The page's words for a refusal: which field to fix, or how long to wait.
function findProblem(error) {
  const words = t();
  if (error.status === 429) return words.findTooMany(Math.max(1, Math.ceil((error.retryAfter || 60) / 60)));
  if (error.code === "invalid" && error.fields && error.fields.length) {
    const fields = error.fields.map((loc) => (loc[0] === "birth_year" ? words.findYear : words.findName));
    return [...new Set(fields)].map((field) => words.problem(field)).join(" ");
  }
  if (error.code === "invalid") return words.findBadName;
  return errorText(words, error);
}

async function lookUp(event) {
  event.preventDefault();
  const words = t();
  const name = $("find-name").value.trim();
  const year = $("find-year").value.trim();
  const shelterId = state.shelterId;
  if (!name || !year) {
    $("find-error").textContent = words.findNeedBoth;
    $(name ? "find-year" : "find-name").focus();
    return;
  }
  $("find-do").disabled = true;
  $("find-error").textContent = "";
  try {
    const result = await call(`/shelters/${encodeURIComponent(shelterId)}/lookup`,
      { method: "POST", body: { name, birth_year: year } });
    if (shelterId !== state.shelterId) return;
    // Each match keeps its own event id, so pressing its button twice checks it in once.
    state.find = { shelterId, name, year, result, eventIds: result.matches.map(() => uuid()) };
    renderFind();
    say(result.found ? words.findMatch(result.matches[0].size, registeredOn(result.matches[0].registered_at))
      : words.findNone, { visible: false });
  } catch (error) {
    state.find = null;
    renderFind();
    if (error.status !== 401) $("find-error").textContent = findProblem(error);
  } finally {
    $("find-do").disabled = false;
  }
}

async function checkIn(index, button) {
  const found = state.find;
  if (!found) return;
  const match = found.result.matches[index];
  button.disabled = true;
  $("find-error").textContent = "";
  try {
    const answer = await call(`/shelters/${encodeURIComponent(found.shelterId)}/lookup/check-in`, {
      method: "POST",
      body: { name: found.name, birth_year: found.year, household_id: match.household_id,
        event_id: found.eventIds[index] },
    });
    forgetFind();
    showCardFor({ householdId: match.household_id, size: answer.household_size, name: found.name,
      kind: "found", answer });
    loadRoster();
  } catch (error) {
    button.disabled = false;
    if (error.status !== 401) $("find-error").textContent = findProblem(error);
  }
}

function reprint(index) {
  const found = state.find;
  if (!found) return;
  const match = found.result.matches[index];
  forgetFind();
  showCardFor({ householdId: match.household_id, size: match.size, name: found.name, kind: "reprint" });
}

function matchItem(match, index, several) {
  const words = t();
  const text = words.findMatch(match.size, registeredOn(match.registered_at));
  const label = several ? `${index + 1}. ${text}` : text;
  const button = match.here
    ? html("button", { type: "button", class: "primary", "data-find": "reprint" }, words.findReprint)
    : html("button", { type: "button", class: "primary", "data-find": "check-in" }, words.findCheckIn);
  button.setAttribute("aria-label", `${button.textContent}：${label}`);
  button.addEventListener("click", () => (match.here ? reprint(index) : checkIn(index, button)));
  return html("li", {}, html("span", {}, match.here ? `${label} ${words.findHere}` : label), button);
}

export function renderFind() {
  const words = t();
  $("find-title").textContent = words.findTitle;
  $("find-help").textContent = words.findHelp;
  $("find-name-label").textContent = words.findName;
  $("find-year-label").textContent = words.findYear;
  $("find-do").textContent = words.findDo;
  const found = state.find && state.find.shelterId === state.shelterId ? state.find : null;
  const box = $("find-result");
  if (!found) {
    box.replaceChildren();
    return;
  }
  const { matches } = found.result;
  box.replaceChildren(matches.length
    ? html("ul", { class: "found" }, ...matches.map((m, i) => matchItem(m, i, matches.length > 1)))
    : html("p", { class: "found-none" }, words.findNone));
}

// Nothing typed or found stays on the page once it is used, or after signing out.
export function forgetFind() {
  state.find = null;
  $("find-name").value = "";
  $("find-year").value = "";
  $("find-error").textContent = "";
  $("find-result").replaceChildren();
}

export function bindFind() {
  $("find-form").addEventListener("submit", lookUp);
}
