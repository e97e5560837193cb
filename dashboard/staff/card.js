// After registering at the door: the household is checked in here (again, by a button,
// if that failed), and its named pass card is shown to print. The same view shows the card
// of a household found by a look-up (find.js) and checked in, and reprints the card of one
// already here. A reprint keeps the pass code: the old card keeps working too. The card is
// fetched with the token in a header and shown from a blob.
import { $, html } from "../common/dom.js";
import { uuid } from "../common/api.js";
import { shelterName } from "../common/i18n.js";
import { problemText, say, state, t } from "./desk.js";
import { call, callForResponse } from "./session.js";
import { loadRoster } from "./roster.js";
import { backToRoster, showView } from "./views.js";

export async function showRegistered(created, name) {
  forgetCard();
  state.done = {
    // A client-chosen event id makes a retried check-in safe.
    householdId: created.household_id, passCode: created.pass_code, size: created.size,
    name, eventId: uuid(), checkedIn: false, answer: null, kind: "registered",
  };
  showView("done");
  renderDone();
  $("done-title").focus();
  await checkIn();
  loadCard();
}

// A household already checked in (found by a look-up) or already here (a reprint):
// ``kind`` is "found" or "reprint"; ``answer`` the check-in's answer, for a found one.
export function showCardFor({ householdId, size, name, kind, answer = null }) {
  forgetCard();
  state.done = { householdId, passCode: null, size, name, eventId: null, checkedIn: true, answer, kind };
  showView("done");
  renderDone();
  $("done-title").focus();
  const words = t();
  if (kind === "found") {
    const over = answer && answer.over_capacity ? ` ${words.overCapacity(alternatives(answer))}` : "";
    say(doneTitle(state.done) + over, { visible: false });
  }
  loadCard();
}

function doneTitle(done) {
  const words = t();
  const people = (done.answer && done.answer.people) || done.size;
  if (done.kind === "reprint") return words.reprintTitle(done.name);
  if (done.kind === "found") {
    return done.answer && done.answer.effect === "none" ? words.foundAlready(done.name) : words.foundIn(done.name, people);
  }
  return done.checkedIn ? words.registered(done.name, people) : words.registerTitle;
}

function alternatives(answer) {
  return (answer.alternatives || []).map((s) => shelterName(s, state.lang)).join("、");
}

async function checkIn() {
  const done = state.done;
  if (!done) return;
  const words = t();
  $("checkin-again").disabled = true;
  try {
    const answer = await call("/events", { method: "POST", body: {
      event_id: done.eventId, shelter_id: state.shelterId, kind: "check_in", pass_code: done.passCode,
    } });
    done.checkedIn = true;
    done.answer = answer;
    $("done-error").textContent = "";
    renderDone();
    const over = answer.over_capacity ? ` ${words.overCapacity(alternatives(answer))}` : "";
    say(words.registered(done.name, answer.people || done.size) + over, { visible: false });
    loadRoster();
  } catch (error) {
    if (error.status === 401) return;
    $("done-error").textContent = `${words.registeredNotIn(done.name)} ${problemText(error)}`;
    renderDone();
  } finally {
    $("checkin-again").disabled = false;
  }
}

// Where the household stays, one tap to change: a new check-in with that stay (moving
// inside or out is an event like any other). The first check-in used its planned stay.
const STAYS = ["shelter", "car", "tent", "home"];

async function changeStay(stay) {
  const done = state.done;
  if (!done || !done.checkedIn) return;
  const words = t();
  try {
    done.answer = await call("/events", { method: "POST", body: {
      event_id: uuid(), shelter_id: state.shelterId, kind: "check_in", pass_code: done.passCode, stay,
    } });
    $("done-error").textContent = "";
    renderDone();
    say(words.stayChanged(words.stayChoices[stay]));
    loadRoster();
  } catch (error) {
    if (error.status !== 401) $("done-error").textContent = problemText(error);
  }
}

function renderStay(done, words) {
  const current = done.checkedIn && done.answer ? done.answer.stay : null;
  // A household found by a look-up is shown without its pass code: its stay is changed at
  // the kiosk with its pass (or by registering the change there), not from this view.
  $("done-stay").hidden = !current || !done.passCode;
  $("done-stay-label").textContent = words.stayChoiceLabel;
  $("done-stay-choices").replaceChildren(...STAYS.map((stay) => {
    const button = html("button", { type: "button", "data-stay": stay, "aria-pressed": String(stay === current) },
      words.stayChoices[stay]);
    button.addEventListener("click", () => changeStay(stay));
    return button;
  }));
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
    const response = await callForResponse(`/households/${encodeURIComponent(done.householdId)}/card.png`);
    const blob = await response.blob();
    if (state.done !== done) return;
    done.cardUrl = URL.createObjectURL(blob);
    $("card").src = done.cardUrl;
    $("card").hidden = false;
    renderDone();
  } catch (error) {
    if (error.status !== 401) $("done-error").textContent = `${t().cardFailed} ${problemText(error)}`;
  }
}

export function renderDone() {
  const done = state.done;
  if (!done) return;
  const words = t();
  $("done-title").textContent = doneTitle(done);
  const over = done.answer && done.answer.over_capacity;
  $("done-text").textContent = over ? words.overCapacity(alternatives(done.answer)) : "";
  $("done-text").hidden = !over;
  renderStay(done, words);
  $("done-help").textContent = done.kind === "registered" ? words.doneHelp : words.reprintHelp;
  $("checkin-again").hidden = done.checkedIn;
  $("checkin-again").textContent = words.checkInAgain;
  $("card").alt = words.cardAlt(done.name);
  $("print").disabled = !done.cardUrl;
}

export function forgetDone() {
  forgetCard();
  state.done = null;
}

export function bindCard() {
  $("checkin-again").addEventListener("click", checkIn);
  $("print").addEventListener("click", () => {
    document.body.classList.add("printing-card");
    window.print();
    document.body.classList.remove("printing-card");
  });
  $("done-back").addEventListener("click", () => {
    forgetDone();
    backToRoster();
  });
}
