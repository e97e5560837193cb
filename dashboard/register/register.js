// Registration from home (書かない窓口): a household enters itself once, gets a QR pass,
// and at the shelter door only shows it.
//
// The pass card (QR, the code in large type, the household's name) is drawn here, in the
// browser, from the name the person just typed: no public answer of the server ever
// carries a name. The QR image comes from /api/v1/passes/{code}.png and holds only the code.
import { STRINGS } from "./strings.js";
import { $, setTexts } from "../common/dom.js";
import { apiJson } from "../common/api.js";
import { languageButtons, markLanguage, saveLanguage, savedLanguage, wordsFor } from "../common/i18n.js";
import { HouseholdForm, formErrorText } from "../common/household.js";

const LANG_KEY = "shelter.register.lang";

const state = {
  lang: savedLanguage(LANG_KEY, STRINGS),
  done: null, // {pass_code, size, name, url}
};

const household = new HouseholdForm({ nameAutocomplete: "name", phoneAutocomplete: "tel" });

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
    again: words.again,
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
    state.done = { pass_code: answer.pass_code, size: answer.size, name: data.members[0].name };
    await drawCard();
    $("form").hidden = true;
    $("intro").hidden = true;
    $("done").hidden = false;
    $("done").focus();
    $("announcer").textContent = words.done;
  } finally {
    $("submit").disabled = false;
    $("submit").textContent = t().submit;
  }
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
  const { pass_code: code, size, name } = state.done;
  const qr = await loadImage(`/api/v1/passes/${code}.png`);
  const canvas = document.createElement("canvas");
  canvas.width = 600;
  canvas.height = 900;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, 600, 900);
  g.strokeStyle = "#102a43";
  g.lineWidth = 6;
  g.strokeRect(3, 3, 594, 894);
  g.fillStyle = "#102a43";
  g.fillRect(0, 0, 600, 110);
  g.fillStyle = "#fff";
  g.textAlign = "center";
  g.font = `bold 44px ${FONT}`;
  g.fillText(words.cardTitle, 300, 62);
  g.font = `20px ${FONT}`;
  g.fillText(words.lang === "en" ? "避難所パス" : "Shelter pass", 300, 95);
  g.fillStyle = "#1b1f24";
  g.font = `bold 34px ${FONT}`;
  g.fillText(words.cardHousehold(name, size), 300, 170, 540);
  g.imageSmoothingEnabled = false; // keep the modules sharp for any camera
  g.drawImage(qr, 100, 200, 400, 400);
  g.font = `22px ${FONT}`;
  g.fillText(words.cardCode, 300, 650);
  g.font = `bold 40px ui-monospace, "DejaVu Sans Mono", monospace`;
  g.fillText(code.replace(/(.{4})(?=.)/g, "$1 "), 300, 705, 560);
  g.font = `22px ${FONT}`;
  g.fillText(words.cardNote, 300, 780, 540);
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
  $("again").addEventListener("click", () => {
    state.done = null;
    $("form").reset();
    household.load();
    $("done").hidden = true;
    $("intro").hidden = false;
    $("form").hidden = false;
    render();
    window.scrollTo(0, 0);
  });
}

bind();
render();
document.body.dataset.ready = "true";
