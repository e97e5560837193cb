// The household form, shared by registration from home (/register) and the staff desk
// (/staff): one member's fields, and the body POST/PUT /api/v1/households takes.
//
// The form's own words are here (FIELD_WORDS); a page spreads them into its strings and
// may override them (やさしい日本語 does).
import { html } from "./feed.js";
import { STRINGS as PAGES } from "./i18n.js";

export const FIELD_WORDS = {
  ja: {
    required: "必須",
    optional: "任意",
    member: (n) => `${n}人目`,
    name: "名前",
    kana: "ふりがな",
    birthYear: "生まれた年（西暦）",
    sex: "性別",
    sexes: { "": "答えない", female: "女性", male: "男性", other: "その他" },
    needs: "配慮が必要なこと",
    needNames: PAGES.ja.needNames,
    addMember: "＋ 家族を追加",
    removeMember: (n) => `${n}人目を削除`,
    household: "世帯のこと",
    phone: "電話番号",
    language: "ふだん使う言葉",
    stay: "どこで過ごしますか",
  },
  en: {
    required: "required",
    optional: "optional",
    member: (n) => `Person ${n}`,
    name: "Name",
    kana: "Name in kana (reading)",
    birthYear: "Year of birth",
    sex: "Sex",
    sexes: { "": "Prefer not to say", female: "Female", male: "Male", other: "Other" },
    needs: "Needs special care",
    needNames: PAGES.en.needNames,
    addMember: "+ Add a person",
    removeMember: (n) => `Remove person ${n}`,
    household: "About the household",
    phone: "Phone",
  },
};

// 要配慮者 categories, in the order the form lists them (shelter/households/schemas.py).
export const NEEDS = ["elderly", "disability", "wheelchair", "pregnant", "infant",
  "chronic_illness", "allergy", "medical_care", "foreign_language", "other"];

export function blankMember() {
  return { name: "", kana: "", birthYear: "", sex: "", needs: new Set() };
}

// What a Japanese keyboard types (full-width digits, ideographic spaces) as plain text.
export function folded(value) {
  return String(value ?? "").normalize("NFKC").trim();
}

function tag(words, required) {
  return html("span", { class: "tag" }, required ? words.required : words.optional);
}

// One member's fieldset, bound to ``member`` (edits write straight into it). ``onRemove``
// is called for every member but the first, who is the only one that must have a name.
export function memberFieldset(member, index, { words, onRemove, nameAutocomplete = "off" }) {
  const id = (name) => `m${index}-${name}`;
  const box = html("fieldset", { class: "member", "data-index": String(index) },
    html("legend", {}, words.member(index + 1)));
  const text = (name, label, attributes, required = false) => {
    const input = html("input", { id: id(name), autocomplete: "off", ...attributes });
    input.value = member[name];
    input.addEventListener("input", () => { member[name] = input.value; });
    box.append(html("div", { class: "field" },
      html("label", { for: id(name) }, label, tag(words, required)), input));
    return input;
  };
  const name = text("name", words.name,
    { maxlength: "100", autocomplete: index === 0 ? nameAutocomplete : "off" }, index === 0);
  if (index === 0) name.setAttribute("aria-required", "true");
  text("kana", words.kana, { maxlength: "100" });
  text("birthYear", words.birthYear, { inputmode: "numeric", maxlength: "4" });
  const choices = { ...words.sexes };
  if (member.sex && !(member.sex in choices)) choices[member.sex] = member.sex; // keep what was recorded
  const sex = html("select", { id: id("sex") },
    ...Object.entries(choices).map(([value, label]) => html("option", { value }, label)));
  sex.value = member.sex;
  sex.addEventListener("change", () => { member.sex = sex.value; });
  box.append(html("div", { class: "field" },
    html("label", { for: id("sex") }, words.sex, tag(words, false)), sex));
  const needs = html("div", { class: "choices" });
  for (const need of NEEDS) {
    const check = html("input", { type: "checkbox", id: id(`need-${need}`), value: need });
    check.checked = member.needs.has(need);
    check.addEventListener("change", () => {
      if (check.checked) member.needs.add(need);
      else member.needs.delete(need);
    });
    needs.append(html("label", { class: "choice", for: id(`need-${need}`) }, check, words.needNames[need]));
  }
  box.append(html("fieldset", { class: "field" },
    html("legend", {}, words.needs, tag(words, false)), needs));
  if (index > 0 && onRemove) {
    const remove = html("button", { type: "button", class: "remove" }, words.removeMember(index + 1));
    remove.addEventListener("click", () => onRemove(index));
    box.append(remove);
  }
  return box;
}

// The first member always counts (the server says so if the name is missing); the others
// only once they have a name, so an empty "add a person" row sends nothing.
export function namedMembers(members) {
  return members.filter((member, index) => index === 0 || folded(member.name));
}

export function householdBody(members, { pets, language, phone, stay, consent }) {
  const count = Number.parseInt(folded(pets || "0"), 10);
  return {
    members: namedMembers(members).map((member) => {
      const year = Number.parseInt(folded(member.birthYear), 10);
      return {
        name: folded(member.name),
        name_kana: folded(member.kana) || null,
        birth_year: Number.isFinite(year) ? year : null,
        sex: member.sex || null,
        needs: [...member.needs],
      };
    }),
    pets: Number.isFinite(count) ? count : 0,
    language: language || null,
    phone: folded(phone) || null,
    stay,
    consent_safety_info: consent,
  };
}
