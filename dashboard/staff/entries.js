// How a household on the roster is shown: its row (names, needs, people, pets, since when,
// and its buttons), and what buttons and confirmations call it.
import { html } from "../common/dom.js";
import { locale } from "../common/i18n.js";
import { state, t } from "./desk.js";

export function tail(code) {
  return code.slice(-4);
}

// How a roster entry is called in buttons and confirmations: names, size, and the end of
// its pass code (two records of one household usually carry the same name).
export function entryName(entry) {
  const words = t();
  if (entry.anonymous || !entry.members.length) return words.noName;
  const first = entry.members[0].name;
  return entry.size > 1 ? words.withOthers(first, entry.size - 1) : first;
}

export function entryLabel(entry) {
  const words = t();
  return words.entryLabel(entryName(entry), words.peopleCount(entry.present, entry.size), words.pass(tail(entry.pass_code)));
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString(locale(state.lang), { hour: "2-digit", minute: "2-digit", hour12: false })
    : date.toLocaleString(locale(state.lang), { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
}

function needChips(needs) {
  const words = t();
  return needs.map((need) => html("span", { class: "need", "data-need": need }, words.needNames[need] || need));
}

function memberLine(member) {
  const words = t();
  const facts = [];
  if (member.birth_year) facts.push(words.born(member.birth_year, new Date().getFullYear() - member.birth_year));
  if (member.sex) facts.push(words.sexes[member.sex] || member.sex);
  const line = html("li", {}, html("span", { class: "name" }, member.name));
  if (member.name_kana) line.append(" ", html("span", { class: "kana" }, member.name_kana));
  if (facts.length) line.append(" ", html("span", { class: "facts" }, facts.join(" ")));
  if (member.needs.length) line.append(" ", html("span", { class: "needs" }, ...needChips(member.needs)));
  return line;
}

function householdCell(entry) {
  const words = t();
  const cell = html("td", { class: "household", "data-label": words.colHousehold });
  if (entry.anonymous || !entry.members.length) {
    cell.append(html("p", { class: "noname" }, html("strong", {}, words.noName)),
      html("p", { class: "muted small" }, words.noNameHelp));
  } else {
    const list = html("ul", { class: "members" }, ...entry.members.map(memberLine));
    if (entry.size > entry.members.length) list.append(html("li", { class: "muted" }, words.more(entry.size - entry.members.length)));
    cell.append(list);
  }
  const details = [words.pass(tail(entry.pass_code))];
  if (entry.phone) details.push(`☎ ${entry.phone}`);
  if (entry.stay) details.push(words.stays[entry.stay] || entry.stay);
  if (entry.consent_safety_info) details.push(words.consentYes);
  cell.append(html("p", { class: "details" }, details.join(" ・ ")));
  return cell;
}

function actionButton(kind, label, entry, onClick, extra = "") {
  const button = html("button", { type: "button", class: `small ${extra}`.trim(), "data-action": kind,
    "data-focus": `${kind}:${entry.household_id}`, "aria-label": t().actionOn(label, entryName(entry)) }, label);
  button.addEventListener("click", () => onClick(entry, button));
  return button;
}

// ``actions``: what the row's buttons open, as ({ edit, merge, card, erase }).
export function row(entry, actions) {
  const words = t();
  const anonymous = entry.anonymous || !entry.members.length;
  const buttons = html("div", { class: "actions" },
    actionButton("edit", anonymous ? words.attach : words.edit, entry, actions.edit, anonymous ? "primary" : ""),
    actionButton("merge", words.merge, entry, actions.merge),
    actionButton("card", words.reprint, entry, actions.card));
  if (!anonymous) buttons.append(actionButton("erase", words.erase, entry, actions.erase, "danger"));
  return html("tr", { "data-household": entry.household_id, class: anonymous ? "anonymous" : "" },
    householdCell(entry),
    html("td", { class: "num people", "data-label": words.colPeople, title: words.peopleHelp },
      words.peopleCount(entry.present, entry.size)),
    html("td", { class: "num", "data-label": words.colPets }, entry.pets),
    html("td", { class: "since", "data-label": words.colSince }, when(entry.since)),
    html("td", { class: "cell-actions" }, buttons));
}
