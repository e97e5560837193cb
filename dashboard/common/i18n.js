// One way for every page to speak its language.
//
// Each page has a strings module of one shape: `export const STRINGS = { ja: {...}, en: {...} }`
// (some pages add `easy`, やさしい日本語), Japanese first. Every block has `lang` (for the
// html element) and `errors`, a map from the API's error codes to the page's own words with
// a `default` for any code it does not name. These helpers pick a block (falling back to
// Japanese) and look up an error; the server's English message is never shown.
export const FALLBACK = "ja";

// How each language is named on its own button, in itself.
export const LANGUAGE_NAMES = { ja: "日本語", easy: "やさしい にほんご", en: "English" };

export function languageIn(STRINGS, lang) {
  return typeof lang === "string" && Object.hasOwn(STRINGS, lang) ? lang : FALLBACK;
}

export function wordsFor(STRINGS, lang) {
  return STRINGS[languageIn(STRINGS, lang)];
}

export function savedLanguage(key, STRINGS) {
  return languageIn(STRINGS, localStorage.getItem(key));
}

export function saveLanguage(key, lang) {
  localStorage.setItem(key, lang);
}

// Words for what went wrong: an ApiError's code, or anything else as the page's default.
export function errorText(words, error) {
  const errors = words.errors;
  const code = error && error.code;
  return typeof code === "string" && Object.hasOwn(errors, code) ? errors[code] : errors.default;
}

export function locale(lang) {
  return lang === "en" ? "en-GB" : "ja-JP";
}

export function clock(time, lang) {
  return new Date(time).toLocaleTimeString(locale(lang), { hour12: false });
}

export function shelterName(shelter, lang) {
  return lang === "en" && shelter.name_en ? shelter.name_en : shelter.name;
}

// A pressed button per language of STRINGS (pages with more than two languages).
export function languageButtons(box, STRINGS, onPick) {
  for (const lang of Object.keys(STRINGS)) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.lang = lang;
    button.setAttribute("lang", lang === "en" ? "en" : "ja");
    button.textContent = LANGUAGE_NAMES[lang];
    button.addEventListener("click", () => onPick(lang));
    box.append(button);
  }
}

export function markLanguage(box, lang) {
  for (const button of box.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}
