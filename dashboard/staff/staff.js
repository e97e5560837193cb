// The staff desk (/staff): shelter staff handle households at the door. This file wires
// the desk together and fills in its fixed words; each part lives in its own module:
//
//   desk.js     shared state, words, announcements     session.js  sign in/out, API calls
//   shelter.js  the shelter bar, picker and live feed  roster.js   roster, filter, CSV
//   entries.js  a household's row and how it is named  views.js    one view at a time, focus
//   form.js     register, correct, attach details      card.js     check in, named pass card
//   merge.js    merge two records                      erase.js    erase personal data
//   departures.js  who left today (check-outs, moves away)
//   find.js     find a household that lost its pass (name and year of birth), check it in
import { $, setTexts } from "../common/dom.js";
import { saveLanguage } from "../common/i18n.js";
import { LANG_KEY, state, t } from "./desk.js";
import { onSession, savedToken, signIn, signOut } from "./session.js";
import { bindShelter, feed, renderPicker, renderShelter } from "./shelter.js";
import { bindRoster, forgetRoster, loadRoster, renderRoster } from "./roster.js";
import { bindForm, forgetForm, openEdit, renderForm, renderFormLabels } from "./form.js";
import { bindCard, forgetDone, renderDone, showCardFor } from "./card.js";
import { bindFind, forgetFind, renderFind } from "./find.js";
import { entryName } from "./entries.js";
import { bindMerge, openMerge, renderMerge } from "./merge.js";
import { bindDepartures, forgetDepartures, renderDepartures } from "./departures.js";
import { bindErase, openErase, renderErase } from "./erase.js";
import { showView } from "./views.js";

function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.title;
  setTexts({
    title: words.title, "signin-title": words.signInTitle, "signin-help": words.signInHelp,
    "token-label": words.tokenLabel, "signin-button": words.signIn, signout: words.signOut,
    "shelter-select-label": words.shelterPick, "roster-title": words.rosterTitle,
    register: words.registerAtDoor, refresh: words.refresh, csv: words.csv, "filter-label": words.filter,
    "h-household": words.colHousehold, "h-people": words.colPeople, "h-pets": words.colPets,
    "h-since": words.colSince, "h-actions": words.colActions, "form-cancel": words.cancel, print: words.print,
    "done-back": words.backToRoster, "merge-help": words.mergeHelp, "merge-keep-label": words.mergeKeep,
    "merge-from-label": words.mergeFrom, "merge-next": words.mergeNext, "merge-do": words.mergeDo,
    "merge-back": words.mergeBack, "merge-cancel": words.cancel, "erase-do": words.eraseDo,
    "erase-cancel": words.cancel,
  });
  renderFormLabels();
  const language = $("language");
  language.textContent = words.switchTo;
  language.setAttribute("aria-label", words.switchLabel);
  language.setAttribute("lang", words.lang === "ja" ? "en" : "ja");
}

function renderAll() {
  renderStatic();
  renderShelter();
  renderPicker();
  renderRoster();
  renderForm();
  renderDone();
  renderMerge();
  renderErase();
  renderDepartures();
  renderFind();
}

onSession({
  signedIn: async () => {
    showView("roster");
    renderAll();
    if (!feed.socket) feed.start();
    await loadRoster();
    $("roster-title").focus();
  },
  signedOut: () => {
    forgetRoster();
    forgetForm();
    forgetDone();
    forgetDepartures();
    forgetFind();
  },
});

function bind() {
  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) signIn(token);
    else $("signin-error").textContent = t().badToken;
  });
  $("signout").addEventListener("click", () => signOut());
  $("language").addEventListener("click", () => {
    state.lang = state.lang === "ja" ? "en" : "ja";
    saveLanguage(LANG_KEY, state.lang);
    renderAll();
  });
  bindShelter();
  bindRoster({
    edit: openEdit, merge: openMerge, erase: openErase,
    // A household already here: its card again, with the same pass code.
    card: (entry) => showCardFor({ householdId: entry.household_id, size: entry.size,
      name: entryName(entry), kind: "reprint" }),
  });
  bindForm();
  bindCard();
  bindMerge();
  bindErase();
  bindDepartures();
  bindFind();
}

saveLanguage(LANG_KEY, state.lang);
bind();
renderStatic();
const saved = savedToken();
if (saved) {
  signIn(saved, { restoring: true }).finally(() => { document.body.dataset.ready = "true"; });
} else {
  document.body.dataset.ready = "true";
}
