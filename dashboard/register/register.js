// Registration from home (書かない窓口): a household enters itself once, gets a QR pass,
// and at the shelter door only shows it.
//
// The pass card (QR, the code in large type, the members' names) is drawn here, in the
// browser, from the names the person just typed: no public answer of the server ever
// carries a name. The QR image comes from /api/v1/passes/{code}.png and holds only the code.
//
// The pass is also kept on this device (localStorage), so a household that closes or
// reloads the page gets it back on its next visit, until it removes it.
import { STRINGS } from "./strings.js";
import { $, setTexts } from "../common/dom.js";
import { apiJson } from "../common/api.js";
import { languageButtons, markLanguage, saveLanguage, savedLanguage, wordsFor } from "../common/i18n.js";
import { HouseholdForm, formErrorText } from "../common/household.js";

const LANG_KEY = "shelter.register.lang";
const PASS_KEY = "shelter.register.pass";

const state = {
  lang: savedLanguage(LANG_KEY, STRINGS),
  done: null, // {pass_code, size, names, url}
};

const household = new HouseholdForm({
  nameAutocomplete: "name", phoneAutocomplete: "tel", compactNeeds: true,
});

function t() {
  return wordsFor(STRINGS, state.lang);
}

function render() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.title;
  setTexts({
    title: words.title, lead: words.lead, privacy: words.privacy, submit: words.submit,
    "done-title": words.done, "done-help": words.doneHelp, save: words.save, print: words.print,
    again: words.again, kept: words.kept, forget: words.forget,
  });
  $("languages").setAttribute("aria-label", words.languageGroup);
  markLanguage($("languages"), state.lang);
  household.render(words);
  if (state.done) drawCard();
}

// ---- sending ----
async function submit(event) {
  event.preventDefault();
  const words = t();
  const data = household.bodyToSend($("error"));
  if (!data) return;
  $("error").textContent = "";
  $("submit").disabled = true;
  $("submit").textContent = words.sending;
  try {
    let answer;
    try {
      answer = await apiJson("/households", { method: "POST", body: data });
    } catch (error) {
      $("error").textContent = formErrorText(words, error);
      return;
    }
    state.done = {
      pass_code: answer.pass_code, size: answer.size, names: data.members.map((m) => m.name),
    };
    keep(state.done);
    await showDone();
    $("announcer").textContent = words.done;
  } finally {
    $("submit").disabled = false;
    $("submit").textContent = t().submit;
  }
}

// ---- the pass kept on this device ----
function keep({ pass_code, size, names }) {
  try {
    localStorage.setItem(PASS_KEY, JSON.stringify({ pass_code, size, names }));
  } catch {
    // private browsing or full storage: the saved image and the print still work
  }
}

function kept() {
  try {
    const saved = JSON.parse(localStorage.getItem(PASS_KEY) || "null");
    if (saved && typeof saved.pass_code === "string" && Array.isArray(saved.names)) return saved;
  } catch {
    // unreadable: treated as nothing kept
  }
  return null;
}

async function showDone() {
  await drawCard();
  $("form").hidden = true;
  $("intro").hidden = true;
  $("done").hidden = false;
  $("done").focus();
}

function showForm() {
  state.done = null;
  $("form").reset();
  household.load();
  $("done").hidden = true;
  $("intro").hidden = false;
  $("form").hidden = false;
  render();
  window.scrollTo(0, 0);
}

// ---- the card: drawn on a canvas, saved or printed as one PNG ----
function loadImage(src) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = src;
  });
}

const FONT = '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif';

async function drawCard() {
  const words = t();
  const { pass_code: code, size, names } = state.done;
  const qr = await loadImage(`/api/v1/passes/${code}.png`);
  // Up to five names; more people than names shown (or than names given) as "and N more".
  const shown = names.slice(0, names.length > 5 ? 4 : 5);
  const more = Math.max(size, names.length) - shown.length;
  const lines = shown.length + (more > 0 ? 1 : 0);
  const qrTop = 170 + lines * 38;
  const qrSide = Math.min(400, 900 - 200 - qrTop); // the card stays 600 × 900
  const canvas = document.createElement("canvas");
  canvas.width = 600;
  canvas.height = 900;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = "#102a43";
  g.lineWidth = 6;
  g.strokeRect(3, 3, canvas.width - 6, canvas.height - 6);
  g.fillStyle = "#102a43";
  g.fillRect(0, 0, 600, 110);
  g.fillStyle = "#fff";
  g.textAlign = "center";
  g.font = `bold 44px ${FONT}`;
  g.fillText(words.cardTitle, 300, 62);
  g.font = `20px ${FONT}`;
  g.fillText(words.lang === "en" ? "避難所パス" : "Shelter pass", 300, 95);
  g.fillStyle = "#1b1f24";
  g.font = `bold 26px ${FONT}`;
  g.fillText(words.cardPeople(Math.max(size, names.length)), 300, 150, 540);
  g.font = `bold 32px ${FONT}`;
  shown.forEach((name, index) => g.fillText(name, 300, 192 + index * 38, 540));
  if (more > 0) g.fillText(words.cardMore(more), 300, 192 + shown.length * 38, 540);
  g.imageSmoothingEnabled = false; // keep the modules sharp for any camera
  g.drawImage(qr, 300 - qrSide / 2, qrTop, qrSide, qrSide);
  const below = qrTop + qrSide;
  g.font = `22px ${FONT}`;
  g.fillText(words.cardCode, 300, below + 45);
  g.font = `bold 40px ui-monospace, "DejaVu Sans Mono", monospace`;
  g.fillText(code.replace(/(.{4})(?=.)/g, "$1 "), 300, below + 100, 560);
  g.font = `22px ${FONT}`;
  g.fillText(words.cardNote, 300, below + 165, 540);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  if (state.done.url) URL.revokeObjectURL(state.done.url);
  state.done.url = URL.createObjectURL(blob);
  $("card").src = state.done.url;
  $("card").alt = words.passAlt(code);
  $("save").href = state.done.url;
}

// ---- wiring ----
function bind() {
  languageButtons($("languages"), STRINGS, (lang) => {
    state.lang = lang;
    saveLanguage(LANG_KEY, lang);
    render();
  });
  household.load({ language: state.lang === "en" ? "en" : "ja" });
  $("form").addEventListener("submit", submit);
  $("print").addEventListener("click", () => window.print());
  // Another household on this device: its pass replaces the kept one once registered.
  $("again").addEventListener("click", showForm);
  $("forget").addEventListener("click", () => {
    try {
      localStorage.removeItem(PASS_KEY);
    } catch {
      // nothing kept
    }
    showForm();
    $("announcer").textContent = t().forgotten;
  });
}

async function main() {
  bind();
  render();
  const saved = kept();
  if (saved) {
    state.done = saved;
    await showDone().catch(() => showForm());
  }
  document.body.dataset.ready = "true";
}

main();
