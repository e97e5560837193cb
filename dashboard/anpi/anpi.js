// 安否 inquiry: a family member types a name and a year of birth and learns whether that
// person is in a shelter, and which, when the person consented. The name goes only in a
// POST body (never a URL, so never a log or a history entry) and is not kept on the device.
import { STRINGS } from "./strings.js";
import { $, setTexts } from "../common/dom.js";
import { apiJson } from "../common/api.js";
import {
  errorText, languageButtons, markLanguage, saveLanguage, savedLanguage, shelterName, wordsFor,
} from "../common/i18n.js";

const LANG_KEY = "shelter.anpi.lang";

const state = {
  lang: savedLanguage(LANG_KEY, STRINGS),
  answer: null, // {found, shelter?, status?} from the last search
};

function t() {
  return wordsFor(STRINGS, state.lang);
}

function render() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.title;
  setTexts({
    title: words.title, lead: words.lead, "name-label": words.name, "name-help": words.nameHelp,
    "year-label": words.year, "year-help": words.yearHelp, submit: words.submit,
    "about-title": words.aboutTitle, about: words.about, privacy: words.privacy,
  });
  $("languages").setAttribute("aria-label", words.languageGroup);
  markLanguage($("languages"), state.lang);
  if (state.answer) showAnswer(state.answer, { announce: false });
}

function showAnswer(answer, { announce = true } = {}) {
  const words = t();
  const box = $("result");
  box.hidden = false;
  box.dataset.found = String(answer.found);
  const title = answer.found ? words.foundTitle : words.notFoundTitle;
  const place = answer.found ? (answer.status ? shelterName(answer.status, state.lang) : answer.shelter.name) : "";
  setTexts({
    "result-title": title,
    "result-place": place,
    "result-address": answer.found && answer.status ? answer.status.address : "",
    "result-help": answer.found ? words.foundHelp : words.notFoundHelp,
  });
  if (announce) {
    // The announcer is always on the page (a region that appears is not always read): a
    // screen reader hears the answer, and a phone scrolls it into view under the form.
    $("announcer").textContent = [title, place].filter(Boolean).join(" ");
    box.scrollIntoView({ block: "nearest" });
  }
}

async function submit(event) {
  event.preventDefault();
  const words = t();
  const name = $("name").value.trim();
  const year = $("birth-year").value.trim();
  $("error").textContent = "";
  if (!name) {
    $("error").textContent = words.needName;
    $("name").focus();
    return;
  }
  if (!year) {
    $("error").textContent = words.needYear;
    $("birth-year").focus();
    return;
  }
  const year4 = /^\d{4}$/.test(year) ? Number(year) : year; // 昭和23 is read by the server
  $("submit").disabled = true;
  $("submit").textContent = words.sending;
  $("result").hidden = true;
  $("announcer").textContent = "";
  try {
    const answer = await apiJson("/safety/inquiries", {
      method: "POST", body: { name, birth_year: year4 }, timeoutMs: 15000,
    });
    if (answer.found) {
      // The shelter's public details (English name, address): public data, by id only.
      answer.status = await apiJson(`/shelters/${encodeURIComponent(answer.shelter.id)}`).catch(() => null);
    }
    state.answer = answer;
    showAnswer(answer);
  } catch (error) {
    $("error").textContent = errorText(t(), error);
  } finally {
    $("submit").disabled = false;
    $("submit").textContent = t().submit;
  }
}

function pick(lang) {
  state.lang = lang;
  saveLanguage(LANG_KEY, lang);
  render();
}

languageButtons($("languages"), STRINGS, pick);
$("form").addEventListener("submit", submit);
render();
document.body.dataset.ready = "true";
