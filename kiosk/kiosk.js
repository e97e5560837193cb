// The entrance kiosk: enrol once, then scan passes in or out, online or not. This file
// wires the kiosk together and fills in its fixed words; each part lives in its own module:
//
//   state.js   shared state and words          enrol.js   enrolment by card or token
//   inputs.js  in/out, camera, typed, scanner  scan.js    a scan: outbox first, then the server
//   result.js  the big result panel            sound.js   tones and screen-reader words
//   header.js  shelter, count, online, outbox  recent.js  the recent scans
//   walkin.js  people with no pass             pass.js    a new pass on screen
//   outbox.js  IndexedDB outbox, batch upload  scanner.js handheld scanner and camera
import { $, setTexts } from "../dashboard/common/dom.js";
import { languageButtons, markLanguage, saveLanguage } from "../dashboard/common/i18n.js";
import { LiveFeed } from "../dashboard/common/feed.js";
import { apiJson } from "../dashboard/common/api.js";
import { STRINGS } from "./strings.js";
import { Outbox, Sync } from "./outbox.js";
import { LANG_KEY, here, state, t } from "./state.js";
import { bindEnrolment, cardInAddress, enrol, whenEnrolled } from "./enrol.js";
import { bindInputs, renderCamera, renderMode } from "./inputs.js";
import { onSyncResults, refreshPending, unauthorized } from "./scan.js";
import { renderResult } from "./result.js";
import { renderHeader, renderSync } from "./header.js";
import { renderRecent } from "./recent.js";
import { bindWalkIn, renderWalkIn } from "./walkin.js";
import { bindPass } from "./pass.js";

function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = `${words.title}${here() ? ` · ${here().name}` : ""}`;
  setTexts({
    "enrol-title": words.enrolTitle, "enrol-help": words.enrolHelp, "token-label": words.tokenLabel,
    "enrol-button": words.enrolButton, "enrol-scan": words.enrolScan,
    "enrol-shelter-label": words.enrolShelter, "mode-in-word": words.modeIn,
    "mode-out-word": words.modeOut, "mode-in-hint": words.modeInHint,
    "mode-out-hint": words.modeOutHint, "manual-label": words.manualLabel,
    "manual-button": words.manualButton, "walkin-open": words.walkIn,
    "walkin-title": words.walkInTitle, "walkin-question": words.walkInQuestion,
    "walkin-go": words.walkInGo, "walkin-cancel": words.cancel, "recent-title": words.recent,
    unenrol: words.unenrol, "pass-print": words.print, "pass-close": words.close,
    "pass-code-label": words.passCode, "pass-hint": words.passHint, "pass-heading": words.passTitle,
    "inside-label": words.inside,
  });
  $("mode").setAttribute("aria-label", words.modeGroup);
  $("languages").setAttribute("aria-label", words.languageGroup);
  $("walkin-fewer").setAttribute("aria-label", words.fewer);
  $("walkin-more").setAttribute("aria-label", words.more);
  $("camera-view").setAttribute("aria-label", words.cameraLabel);
  markLanguage($("languages"), state.lang);
  renderMode();
  renderCamera();
  renderWalkIn();
  renderHeader();
  renderResult();
  renderRecent();
  renderSync();
}

// Enrolled: the outbox's upload loop and the live feed start, and the desk shows.
async function start() {
  $("enrol").hidden = true;
  $("desk").hidden = false;
  state.sync = new Sync({
    outbox: state.outbox,
    token: state.enrolment.token,
    onResults: onSyncResults,
    onState: ({ sending }) => {
      state.sending = sending;
      renderSync();
    },
    onUnauthorized: unauthorized,
  });
  state.feed = new LiveFeed({
    onState: () => renderHeader(),
    onStatus: (status, since) => {
      state.status = { state: status, since };
      renderHeader();
      if (status === "live") state.sync.soon();
    },
  });
  state.feed.start();
  await refreshPending();
  renderStatic();
  state.sync.soon();
  setInterval(() => state.sync.soon(), 15000);
  heartbeat();
  setInterval(heartbeat, HEARTBEAT_MS);
}

// HQ sees each kiosk's last report and how many scans wait in it (a silent kiosk, or one
// whose outbox grows, needs someone to look). Offline, the report simply does not arrive.
const HEARTBEAT_MS = 60000;
function heartbeat() {
  if (!state.enrolment) return;
  apiJson("/tokens/me/heartbeat", {
    method: "POST", token: state.enrolment.token, body: { outbox: state.pending },
  }).catch(() => {});
}

function bind() {
  languageButtons($("languages"), STRINGS, (lang) => {
    state.lang = lang;
    saveLanguage(LANG_KEY, lang);
    renderStatic();
  });
  bindInputs({ onModeChange: renderStatic });
  bindEnrolment();
  bindWalkIn();
  bindPass();
  whenEnrolled(start);
  window.addEventListener("online", () => {
    renderHeader();
    if (state.sync) state.sync.soon();
    heartbeat();
  });
  window.addEventListener("offline", () => {
    state.offlineSince = new Date();
    renderHeader();
  });
}

async function main() {
  bind();
  state.outbox = await Outbox.open();
  const fromCard = cardInAddress();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk" }).catch(() => {});
  }
  renderStatic();
  if (fromCard) await enrol(fromCard);
  else if (state.enrolment) await start();
  else {
    $("enrol").hidden = false;
    $("enrol-token").focus();
  }
  document.body.dataset.ready = "true";
}

main();
