// Enrolment: a kiosk becomes a shelter's entrance with a token, from HQ's enrolment card
// (its QR opens /kiosk#enrol=<token>) or pasted by hand, and forgets it when unenrolled.
//
// The token travels in the URL fragment, which never reaches a server or a log; the page
// takes it and wipes it from the address bar and history.
import { apiJson } from "../dashboard/common/api.js";
import { $, html } from "../dashboard/common/dom.js";
import { errorText } from "../dashboard/common/i18n.js";
import { ENROL_KEY, state, t } from "./state.js";

let onEnrolled = () => {};

// What the kiosk does once enrolled (set by kiosk.js: start the desk).
export function whenEnrolled(start) {
  onEnrolled = start;
}

export function enrolTokenIn(text) {
  const match = /[#&]enrol=([^&\s]+)/.exec(text);
  return match ? decodeURIComponent(match[1]) : null;
}

export async function enrol(token, shelterId = null) {
  const words = t();
  $("enrol-error").textContent = words.enrolChecking;
  let me;
  try {
    me = await apiJson("/tokens/me", { token });
  } catch (error) {
    $("enrol-error").textContent = error.status === 0 ? errorText(words, error) : words.enrolBad;
    return;
  }
  let shelter_id = me.shelter_id;
  if (!shelter_id) { // an hq token may stand at any door: ask which
    shelter_id = shelterId || $("enrol-shelter").value;
    if (!shelter_id) {
      await offerShelters();
      return;
    }
  }
  state.enrolment = { token, shelter_id, role: me.role, label: me.label };
  localStorage.setItem(ENROL_KEY, JSON.stringify(state.enrolment));
  $("enrol-error").textContent = "";
  $("enrol-token").value = "";
  if (state.camera && state.camera.running) state.camera.stop();
  // Keep the outbox and the cached page even when the tablet runs short of space.
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  onEnrolled();
}

async function offerShelters() {
  let shelters;
  try {
    shelters = await apiJson("/shelters");
  } catch (error) {
    $("enrol-error").textContent = errorText(t(), error);
    return;
  }
  $("enrol-shelter").replaceChildren(...shelters.map((s) => html("option", { value: s.id }, `${s.id} ${s.name}`)));
  $("enrol-shelter-row").hidden = false;
  $("enrol-error").textContent = "";
}

function unenrol() {
  if (!confirm(t().unenrolConfirm)) return;
  localStorage.removeItem(ENROL_KEY);
  location.reload();
}

// The card that opened the page: its token, wiped from the address at once.
export function cardInAddress() {
  const token = enrolTokenIn(location.hash);
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}

// A card opened while the page is already open (only the fragment changed).
function takeCardFromAddress() {
  const token = cardInAddress();
  if (token && !state.enrolment) enrol(token);
}

export function bindEnrolment() {
  $("enrol-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("enrol-token").value.trim();
    if (value) enrol(enrolTokenIn(value) || value);
  });
  $("unenrol").addEventListener("click", unenrol);
  window.addEventListener("hashchange", takeCardFromAddress);
}
