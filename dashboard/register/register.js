// Registration from home (書かない窓口): a household enters itself once, gets a QR pass,
// and at the shelter door only shows it.
//
// The pass card (QR, the code in large type, the household's name) is drawn here, in the
// browser, from the name the person just typed: no public answer of the server ever
// carries a name. The QR image comes from /api/v1/passes/{code}.png and holds only the code.
import { LANGUAGES, SPOKEN, strings } from "./strings.js";
import { html } from "../common/feed.js";
import { blankMember, householdBody, memberFieldset } from "../common/household.js";

const LANG_KEY = "shelter.register.lang";
const $ = (id) => document.getElementById(id);

const state = {
  lang: localStorage.getItem(LANG_KEY) || "ja",
  members: [blankMember()],
  stay: null,
  done: null, // {pass_code, size, name, url}
};

function t() {
  return strings(state.lang);
}

function removeMember(index) {
  state.members.splice(index, 1);
  renderMembers();
  $("add-member").focus();
}

function renderMembers() {
  const words = t();
  $("members").replaceChildren(...state.members.map((member, index) =>
    memberFieldset(member, index, { words, onRemove: removeMember, nameAutocomplete: "name" })));
}

function render() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.title;
  const text = {
    title: words.title, lead: words.lead, privacy: words.privacy, "members-title": words.members,
    "add-member": words.addMember, "household-title": words.household, "pets-label": words.pets,
    "phone-label": words.phone, "spoken-label": words.language, "stay-label": words.stay,
    "consent-label": words.consent, "consent-help": words.consentHelp, submit: words.submit,
    "done-title": words.done, "done-help": words.doneHelp, save: words.save, print: words.print,
    again: words.again,
  };
  for (const [id, value] of Object.entries(text)) $(id).textContent = value;
  $("languages").setAttribute("aria-label", words.languageGroup);
  for (const button of $("languages").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
  }
  const stays = $("stays");
  stays.replaceChildren(...Object.entries(words.stays).map(([value, label]) => {
    const radio = html("input", { type: "radio", name: "stay", id: `stay-${value}`, value });
    radio.checked = state.stay === value;
    radio.addEventListener("change", () => { state.stay = value; });
    return html("label", { class: "choice", for: `stay-${value}` }, radio, label);
  }));
  renderMembers();
  if (state.done) drawCard();
}

// ---- sending ----
function body() {
  return householdBody(state.members, {
    pets: $("pets").value,
    language: $("spoken").value,
    phone: $("phone").value,
    stay: state.stay,
    consent: $("consent").checked,
  });
}

function problems(answer) {
  if (!answer || !Array.isArray(answer.detail)) return "";
  return answer.detail.map((item) => `${item.loc.filter((p) => p !== "body").join(".")}: ${item.msg}`).join(" / ");
}

async function submit(event) {
  event.preventDefault();
  const words = t();
  const data = body();
  if (!data.members[0].name) {
    $("error").textContent = words.needName;
    $("m0-name").focus();
    return;
  }
  $("error").textContent = "";
  $("submit").disabled = true;
  $("submit").textContent = words.sending;
  try {
    let response;
    try {
      response = await fetch("/api/v1/households", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
      });
    } catch {
      $("error").textContent = words.offline;
      return;
    }
    const answer = await response.json().catch(() => null);
    if (response.status === 429) {
      $("error").textContent = words.tooMany;
      return;
    }
    if (!response.ok) {
      $("error").textContent = [words.failed, problems(answer)].filter(Boolean).join(" ");
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
  for (const language of LANGUAGES) {
    const button = html("button", { type: "button", "data-lang": language.id,
      lang: language.id === "en" ? "en" : "ja" }, language.label);
    button.addEventListener("click", () => {
      state.lang = language.id;
      localStorage.setItem(LANG_KEY, state.lang);
      render();
    });
    $("languages").append(button);
  }
  $("spoken").replaceChildren(...SPOKEN.map(([value, label]) => html("option", { value, lang: value }, label)));
  $("spoken").value = state.lang === "en" ? "en" : "ja";
  $("add-member").addEventListener("click", () => {
    state.members.push(blankMember());
    renderMembers();
    $(`m${state.members.length - 1}-name`).focus();
  });
  $("form").addEventListener("submit", submit);
  $("print").addEventListener("click", () => window.print());
  $("again").addEventListener("click", () => {
    state.members = [blankMember()];
    state.stay = null;
    state.done = null;
    $("form").reset();
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
