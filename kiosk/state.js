// What every part of the kiosk shares: its state (remembered across reloads where it must
// be), its words in the chosen language, and the shelter it is enrolled at.
import { clock, savedLanguage, wordsFor } from "../dashboard/common/i18n.js";
import { STRINGS } from "./strings.js";

export const ENROL_KEY = "shelter.kiosk";
export const LANG_KEY = "shelter.kiosk.lang";
export const MODE_KEY = "shelter.kiosk.mode";

export const state = {
  enrolment: JSON.parse(localStorage.getItem(ENROL_KEY) || "null"),
  lang: savedLanguage(LANG_KEY, STRINGS),
  mode: localStorage.getItem(MODE_KEY) === "out" ? "out" : "in",
  outbox: null,
  sync: null,
  feed: null,
  camera: null,
  cameraState: "stopped",
  status: { state: "connecting", since: null },
  pending: 0,
  sending: false,
  recent: [], // {id, kind, pass, headcount, status, code, newPass, at}
  refused: 0,
  // what the big panel shows: {tone, title, detail, alternatives, stay: {pass, current}}
  result: null,
  walkInCount: 1,
  walkInStay: "shelter",
  unauthorized: false,
  offlineSince: navigator.onLine ? null : new Date(),
};

export function t() {
  return wordsFor(STRINGS, state.lang);
}

// The shelter this kiosk is enrolled at, as the live feed last told it.
export function here() {
  return state.feed && state.enrolment ? state.feed.shelters.get(state.enrolment.shelter_id) : null;
}

export function time(date) {
  return clock(date, state.lang);
}
