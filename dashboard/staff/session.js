// Signing in and out of the staff desk, and every API call made with its token.
//
// Sign in with a staff token (one shelter) or an hq token (any shelter, picked on the
// desk); the token lives in sessionStorage and travels only in an Authorization header,
// never a URL. A token that stops working (401) signs the desk out at once.
import { $ } from "../common/dom.js";
import { apiJson, apiResponse } from "../common/api.js";
import { errorText } from "../common/i18n.js";
import { state, t } from "./desk.js";

const TOKEN_KEY = "shelter.staff.token";
const SHELTER_KEY = "shelter.staff.shelter";
const SHELTER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

// What the rest of the desk does when the session starts and ends (set by staff.js).
const hooks = { signedIn: async () => {}, signedOut: () => {} };

export function onSession({ signedIn, signedOut }) {
  Object.assign(hooks, { signedIn, signedOut });
}

async function authorized(send, path, options = {}) {
  try {
    return await send(path, { ...options, token: state.token });
  } catch (error) {
    if (error.status === 401) signOut(t().errors.unauthorized);
    throw error;
  }
}

export function call(path, options) {
  return authorized(apiJson, path, options);
}

// For a blob (the CSV, the card): the answer itself.
export function callForResponse(path, options) {
  return authorized(apiResponse, path, options);
}

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function rememberShelter(id) {
  sessionStorage.setItem(SHELTER_KEY, id);
}

// The shelter the desk opens on: the address's (#S01, a shelter id, never personal data),
// else the last one hq chose, else the staff token's own.
function firstShelter(me) {
  let wanted = "";
  try {
    wanted = decodeURIComponent(location.hash.slice(1));
  } catch {
    wanted = "";
  }
  if (SHELTER_ID.test(wanted)) return wanted;
  if (me.role === "hq") {
    return sessionStorage.getItem(SHELTER_KEY) || (state.shelters[0] && state.shelters[0].id) || null;
  }
  return me.shelter_id;
}

export async function signIn(token, { restoring = false } = {}) {
  const words = t();
  $("signin-error").textContent = restoring ? "" : words.checking;
  let me;
  try {
    me = await apiJson("/tokens/me", { token });
  } catch (error) {
    if (error.status !== 0) sessionStorage.removeItem(TOKEN_KEY);
    $("signin-error").textContent = error.status === 0 ? errorText(words, error)
      : restoring ? words.errors.unauthorized : words.badToken;
    return;
  }
  if (me.role !== "staff" && me.role !== "hq") {
    sessionStorage.removeItem(TOKEN_KEY);
    $("signin-error").textContent = words.kioskToken;
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  state.me = me;
  $("token").value = "";
  $("signin-error").textContent = "";
  try {
    state.shelters = await apiJson("/shelters");
  } catch {
    state.shelters = [];
  }
  state.shelterId = firstShelter(me);
  $("signin-view").hidden = true;
  $("desk").hidden = false;
  $("signout").hidden = false;
  $("who").hidden = false;
  await hooks.signedIn();
}

export function signOut(error = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  hooks.signedOut(); // nothing personal stays on screen
  state.token = null;
  state.me = null;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  $("notice").textContent = "";
  $("desk").hidden = true;
  $("signout").hidden = true;
  $("who").hidden = true;
  $("signin-view").hidden = false;
  $("signin-error").textContent = error;
  $("token").focus();
}
