// What every part of the staff desk shares: its state, its words, and saying what happened.
//
// Personal data stays in this state and the DOM: never in a URL, localStorage or the console.
import { $ } from "../common/dom.js";
import { savedLanguage, wordsFor } from "../common/i18n.js";
import { formErrorText } from "../common/household.js";
import { STRINGS } from "./strings.js";

export const LANG_KEY = "shelter.lang"; // shared with the public page and HQ

export const state = {
  lang: savedLanguage(LANG_KEY, STRINGS),
  token: null,
  me: null, // {id, role, shelter_id, label}
  shelters: [],
  shelterId: null,
  roster: null,
  rosterProblem: null, // {text, own} when the roster could not be shown
  filter: "",
  view: "roster", // roster | form | done
  form: null,
  done: null,
  merge: null,
  erase: null,
  departures: null, // {shelterId, data} once staff asked who left today
  find: null, // {shelterId, name, year, result, eventIds}: a look-up by name and year of birth
};

export function t() {
  return wordsFor(STRINGS, state.lang);
}

// What went wrong, in the desk's words (for a form, the fields the server pointed at).
export function problemText(error) {
  return formErrorText(t(), error);
}

export function say(text, { visible = true } = {}) {
  // Cleared first, so the same words twice are announced twice.
  const announcer = $("announcer");
  announcer.textContent = "";
  $("notice").textContent = visible ? text : "";
  setTimeout(() => { announcer.textContent = text; }, 60);
}
