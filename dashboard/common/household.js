// The household form, shared by registration from home (/register) and the staff desk
// (/staff): its markup, its words, and the body POST/PUT /api/v1/households takes.
//
// A page holds the containers (#members-title, #members, #add-member, #household-title,
// and #household-fields where the household's own fields go) and a HouseholdForm renders
// the rest: one fieldset per member, then pets, phone, language, where they stay and
// consent. The desk's copy adds the household size and lays the fields out narrower.
//
// The form's own words are here (FIELD_WORDS); a page spreads them into its strings and
// may override them (やさしい日本語 does).
import { $, html, setTexts } from "./dom.js";
import { errorText } from "./i18n.js";
import { STRINGS as PAGES } from "./strings.js";

export const FIELD_WORDS = {
  ja: {
    required: "必須",
    optional: "任意",
    member: (n) => `${n}人目`,
    name: "名前",
    kana: "ふりがな",
    birthYear: "生まれた年（1948 や 昭和23）",
    sex: "性別",
    sexes: { "": "答えない", female: "女性", male: "男性", other: "その他" },
    needs: "配慮が必要なこと",
    moreSummary: (n) => `ふりがな・生まれた年・性別・配慮（任意）${n ? `　配慮 ${n}件` : ""}`,
    needNames: PAGES.ja.needNames,
    addMember: "＋ 家族を追加",
    removeMember: (n) => `${n}人目を削除`,
    household: "世帯のこと",
    phone: "電話番号",
    language: "ふだん使う言葉",
    stay: "どこで過ごしますか",
    problem: (where) => `${where}：入力を確かめてください`,
  },
  en: {
    required: "required",
    optional: "optional",
    member: (n) => `Person ${n}`,
    name: "Name",
    kana: "Name in kana (reading)",
    birthYear: "Year of birth (1948, or 昭和23)",
    sex: "Sex",
    sexes: { "": "Prefer not to say", female: "Female", male: "Male", other: "Other" },
    needs: "Needs special care",
    moreSummary: (n) => `Kana, year of birth, sex, needs (optional)${n ? ` · ${n} needs` : ""}`,
    needNames: PAGES.en.needNames,
    addMember: "+ Add a person",
    removeMember: (n) => `Remove person ${n}`,
    household: "About the household",
    phone: "Phone",
    problem: (where) => `${where}: check what was entered`,
  },
};

// 要配慮者 categories, in the order the form lists them (shelter/households/schemas.py).
export const NEEDS = ["elderly", "disability", "wheelchair", "pregnant", "infant",
  "chronic_illness", "allergy", "medical_care", "foreign_language", "other"];

// Languages a household may say it uses (BCP 47), each named in itself.
export const SPOKEN = [
  ["ja", "日本語"], ["en", "English"], ["zh", "中文"], ["ko", "한국어"], ["vi", "Tiếng Việt"],
  ["tl", "Filipino"], ["pt", "Português"], ["es", "Español"], ["ne", "नेपाली"], ["id", "Bahasa Indonesia"],
];

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
function memberFieldset(member, index, { words, onRemove, nameAutocomplete = "off", compactNeeds = false }) {
  const id = (name) => `m${index}-${name}`;
  const box = html("fieldset", { class: "member", "data-index": String(index) },
    html("legend", {}, words.member(index + 1)));
  // On a phone, everything but the name sits behind one line per person until opened:
  // with ten boxes of needs each, a family of three used to be a very long page.
  const more = compactNeeds ? html("div", { class: "more-fields" }) : box;
  const text = (name, label, attributes, required = false, into = more) => {
    const input = html("input", { id: id(name), autocomplete: "off", ...attributes });
    input.value = member[name];
    input.addEventListener("input", () => { member[name] = input.value; });
    into.append(html("div", { class: "field" },
      html("label", { for: id(name) }, label, tag(words, required)), input));
    return input;
  };
  const name = text("name", words.name,
    { maxlength: "100", autocomplete: index === 0 ? nameAutocomplete : "off" }, index === 0, box);
  if (index === 0) name.setAttribute("aria-required", "true");
  text("kana", words.kana, { maxlength: "100" });
  text("birthYear", words.birthYear, { maxlength: "12" });
  const choices = { ...words.sexes };
  if (member.sex && !(member.sex in choices)) choices[member.sex] = member.sex; // keep what was recorded
  const sex = html("select", { id: id("sex") },
    ...Object.entries(choices).map(([value, label]) => html("option", { value }, label)));
  sex.value = member.sex;
  sex.addEventListener("change", () => { member.sex = sex.value; });
  more.append(html("div", { class: "field" },
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
  more.append(html("fieldset", { class: "field" },
    html("legend", {}, words.needs, tag(words, false)), needs));
  if (compactNeeds) {
    const summary = html("summary", { id: id("more-toggle"), class: "more-toggle" });
    const show = () => {
      summary.textContent = words.moreSummary(member.needs.size);
    };
    more.addEventListener("change", show);
    show();
    const details = html("details", { class: "more" }, summary, more);
    details.open = Boolean(member.kana || member.birthYear || member.sex || member.needs.size);
    box.append(details);
  }
  if (index > 0 && onRemove) {
    const remove = html("button", { type: "button", class: "remove" }, words.removeMember(index + 1));
    remove.addEventListener("click", () => onRemove(index));
    box.append(remove);
  }
  return box;
}

// The form on a page. ``size`` adds the household size (the desk corrects records that
// counted people with no name), ``narrow`` keeps the single fields narrow on a wide
// screen, ``notAsked`` offers "(not asked)" as the language, ``compactNeeds`` folds each
// member's fields but the name behind one line (a phone). ``onMembersChange`` is called
// when a member is added or removed, or a name is typed.
export class HouseholdForm {
  constructor({
    size = false, narrow = false, notAsked = false, nameAutocomplete = "off",
    phoneAutocomplete = "off", onMembersChange = () => {}, compactNeeds = false,
  } = {}) {
    this.compactNeeds = compactNeeds;
    this.notAsked = notAsked;
    this.nameAutocomplete = nameAutocomplete;
    this.onMembersChange = onMembersChange;
    this.members = [blankMember()];
    this.stay = null;
    this.language = "ja"; // shown until someone picks one
    this.words = null;
    this.box = $("members");
    this.addButton = $("add-member");
    $("household-fields").replaceWith(...this.build({ size, narrow, phoneAutocomplete }));
    this.addButton.addEventListener("click", () => {
      this.members.push(blankMember());
      this.renderMembers();
      this.onMembersChange();
      $(`m${this.members.length - 1}-name`).focus();
    });
    this.box.addEventListener("input", (event) => {
      if (event.target.id && event.target.id.endsWith("-name")) this.onMembersChange();
    });
  }

  build({ size, narrow, phoneAutocomplete }) {
    const field = (attributes, ...children) =>
      html("div", { ...attributes, class: narrow ? "field narrow" : "field" }, ...children);
    const label = (id, name) => html("label", { for: id, id: `${name}-label` });
    this.size = html("input", { id: "size", type: "number", inputmode: "numeric", min: "1", max: "1000",
      "aria-describedby": "size-help" });
    this.sizeField = field({ id: "size-field" }, label("size", "size"), this.size,
      html("p", { id: "size-help", class: "muted hint" }));
    this.sizeField.hidden = true;
    this.pets = html("input", { id: "pets", type: "number", inputmode: "numeric", min: "0", max: "50", value: "0" });
    this.phone = html("input", { id: "phone", type: "tel", autocomplete: phoneAutocomplete });
    this.spoken = html("select", { id: "spoken" });
    this.stays = html("div", { id: "stays", class: "choices" });
    this.consent = html("input", { id: "consent", type: "checkbox", "aria-describedby": "consent-help" });
    return [
      ...(size ? [this.sizeField] : []),
      field({}, label("pets", "pets"), this.pets),
      field({}, label("phone", "phone"), this.phone),
      field({}, label("spoken", "spoken"), this.spoken),
      html("fieldset", { class: "field" }, html("legend", { id: "stay-label" }), this.stays),
      html("div", { class: "field check" }, this.consent, label("consent", "consent"),
        html("p", { id: "consent-help", class: "muted" })),
    ];
  }

  // Start again: from a record the desk is correcting, or empty.
  load({ members = [blankMember()], stay = null, language = "ja", pets = 0, phone = "", consent = false } = {}) {
    this.members = members;
    this.stay = stay;
    this.language = language;
    this.spoken.replaceChildren();
    this.pets.value = String(pets);
    this.phone.value = phone;
    this.consent.checked = consent;
  }

  // Nothing typed stays on the page.
  forget() {
    this.members = [blankMember()];
    this.stay = null;
    this.box.replaceChildren();
  }

  renderLabels(words) {
    this.words = words;
    const texts = {
      "members-title": words.members, "add-member": words.addMember, "household-title": words.household,
      "pets-label": words.pets, "phone-label": words.phone, "spoken-label": words.language,
      "stay-label": words.stay, "consent-label": words.consent, "consent-help": words.consentHelp,
    };
    if (this.sizeField.isConnected) Object.assign(texts, { "size-label": words.size, "size-help": words.sizeHelp });
    setTexts(texts);
  }

  render(words) {
    this.renderLabels(words);
    this.renderSpoken();
    this.renderStays();
    this.renderMembers();
  }

  renderSpoken() {
    const value = this.spoken.value || this.language;
    const options = [...(this.notAsked ? [["", this.words.languageUnknown]] : []), ...SPOKEN];
    if (value && !options.some(([code]) => code === value)) options.push([value, value]); // keep what was recorded
    this.spoken.replaceChildren(...options.map(([code, label]) =>
      html("option", code ? { value: code, lang: code } : { value: "" }, label)));
    this.spoken.value = value || "";
  }

  renderStays() {
    this.stays.replaceChildren(...Object.entries(this.words.stays).map(([value, label]) => {
      const radio = html("input", { type: "radio", name: "stay", id: `stay-${value}`, value });
      radio.checked = this.stay === value;
      radio.addEventListener("change", () => { this.stay = value; });
      return html("label", { class: "choice", for: `stay-${value}` }, radio, label);
    }));
  }

  renderMembers() {
    this.box.replaceChildren(...this.members.map((member, index) => memberFieldset(member, index, {
      words: this.words, onRemove: (at) => this.remove(at), nameAutocomplete: this.nameAutocomplete,
      compactNeeds: this.compactNeeds,
    })));
  }

  remove(index) {
    this.members.splice(index, 1);
    this.renderMembers();
    this.onMembersChange();
    this.addButton.focus();
  }

  // The body to send, or null when the first person has no name: that is said in
  // ``errorBox`` and the focus goes to the name.
  bodyToSend(errorBox) {
    const data = this.body();
    if (data.members[0].name) return data;
    errorBox.textContent = this.words.needName;
    $("m0-name").focus();
    return null;
  }

  body() {
    return householdBody(this.members, {
      pets: this.pets.value,
      language: this.spoken.value,
      phone: this.phone.value,
      stay: this.stay,
      consent: this.consent.checked,
    });
  }
}

// Where a validation error points, in the page's words ("2人目 生まれた年（西暦）").
export function fieldLabel(words, loc) {
  if (loc[0] === "members" && Number.isInteger(loc[1])) {
    const field = { name: words.name, name_kana: words.kana, birth_year: words.birthYear,
      sex: words.sex, needs: words.needs }[loc[2]];
    return [words.member(loc[1] + 1), field].filter(Boolean).join(" ");
  }
  return { pets: words.pets, phone: words.phone, language: words.language, stay: words.stay,
    size: words.size, members: words.members }[loc[0]] || loc.join(".");
}

// What went wrong with the form: the page's words for the error, and for a validation
// error every field the server pointed at.
export function formErrorText(words, error) {
  if (!error || error.code !== "invalid" || !error.fields || !error.fields.length) return errorText(words, error);
  return [words.errors.default, ...error.fields.map((loc) => words.problem(fieldLabel(words, loc)))].join(" ");
}

// The first member always counts (the server says so if the name is missing); the others
// only once they have a name, so an empty "add a person" row sends nothing.
export function namedMembers(members) {
  return members.filter((member, index) => index === 0 || folded(member.name));
}

function householdBody(members, { pets, language, phone, stay, consent }) {
  const count = Number.parseInt(folded(pets || "0"), 10);
  return {
    members: namedMembers(members).map((member) => {
      // Sent as typed (1948, 昭和23, S23, 平成元年): the server reads every form, one rule.
      const year = folded(member.birthYear);
      return {
        name: folded(member.name),
        name_kana: folded(member.kana) || null,
        birth_year: year || null,
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
