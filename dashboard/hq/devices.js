// Kiosks and tokens (hq only): every token with its device's last report and outbox, and
// a way to revoke one (a lost tablet). Kiosks report every minute (kiosk/kiosk.js).
import { apiJson } from "../common/api.js";
import { errorText, locale, shelterName } from "../common/i18n.js";
import { html } from "../common/dom.js";

let tokens = null;

// The tokens as last read (null before the first read, or signed out).
export function deviceTokens() {
  return tokens;
}

export function forgetDevices() {
  tokens = null;
}

export async function refreshDevices(token) {
  try {
    tokens = await apiJson("/tokens", { token });
  } catch {
    return; // offline: the next refresh tries again
  }
}

function stateOf(made, words) {
  if (made.revoked_at) return ["revoked", words.deviceRevoked];
  if (made.online) return ["online", words.deviceOnline];
  return made.last_seen_at ? ["silent", words.deviceSilent] : ["never", words.deviceNever];
}

export function renderDevices({ words, lang, shelters, onRevoke }) {
  const box = document.getElementById("devices-table");
  if (!tokens) {
    box.replaceChildren();
    return;
  }
  if (!tokens.length) {
    box.replaceChildren(html("p", { class: "muted" }, words.devicesEmpty));
    return;
  }
  const head = html("tr", {}, ...[words.deviceLabel, words.deviceRole, words.deviceShelter,
    words.deviceState, words.deviceSeen, words.deviceOutbox, ""].map((label) => html("th", { scope: "col" }, label)));
  // Devices still in use first, the newest at the top of each group.
  const order = { online: 0, silent: 1, never: 2, revoked: 3 };
  const rows = [...tokens]
    .sort((a, b) => order[stateOf(a, words)[0]] - order[stateOf(b, words)[0]] || b.created_at.localeCompare(a.created_at))
    .map((made) => {
      const [state, stateWords] = stateOf(made, words);
      const shelter = made.shelter_id ? shelters.get(made.shelter_id) : null;
      const label = made.label || made.id;
      const revoke = made.revoked_at ? "" : html("button", {
        type: "button", class: "revoke", "aria-label": words.revokeLabel(label),
      }, words.revoke);
      if (revoke) revoke.addEventListener("click", () => onRevoke(made, label));
      return html("tr", { "data-token": made.id, "data-state": state },
        html("td", {}, label),
        html("td", {}, words.deviceRoles[made.role] || made.role),
        html("td", {}, shelter ? shelterName(shelter, lang) : made.shelter_id || ""),
        html("td", {}, html("span", { class: `device-state ${state}` }, stateWords)),
        html("td", {}, made.last_seen_at ? new Date(made.last_seen_at).toLocaleString(locale(lang), { hour12: false }) : ""),
        html("td", { class: "number" }, made.outbox === null || made.outbox === undefined ? "" : String(made.outbox)),
        html("td", {}, revoke));
    });
  box.replaceChildren(html("table", { class: "audit devices" }, html("thead", {}, head), html("tbody", {}, ...rows)));
}

export async function revokeDevice(token, made, words) {
  try {
    await apiJson(`/tokens/${encodeURIComponent(made.id)}`, { method: "DELETE", token });
  } catch (error) {
    return words.revokeFailed + (error.code ? ` (${errorText(words, error)})` : "");
  }
  return "";
}
