// The household form on the desk: register a household at the door (then check it in),
// correct a record, or attach names and needs to a walk-in or a pre-printed pass.
//
// The form itself is the registration page's (common/household.js), with the household
// size added: it follows the names listed, plus the people the record counted without
// names, until staff type a size themselves.
import { $ } from "../common/dom.js";
import { HouseholdForm, blankMember, folded, namedMembers } from "../common/household.js";
import { problemText, say, state, t } from "./desk.js";
import { call } from "./session.js";
import { loadRoster } from "./roster.js";
import { backToRoster, showView } from "./views.js";
import { showRegistered } from "./card.js";

const household = new HouseholdForm({ size: true, narrow: true, notAsked: true, onMembersChange: syncSize });

function autoSize() {
  const form = state.form;
  const named = namedMembers(household.members).length;
  if (form.anonymous) return Math.max(named, form.originalSize);
  return named + Math.max(form.originalSize - form.originalMembers, 0);
}

function syncSize() {
  if (state.form && !state.form.sizeTouched) $("size").value = String(autoSize());
}

export function renderFormLabels() {
  household.renderLabels(t());
}

export function renderForm() {
  const form = state.form;
  if (!form) return;
  const words = t();
  const title = form.mode === "register" ? words.registerTitle : form.anonymous ? words.attachTitle : words.editTitle;
  $("form-title").textContent = title;
  $("form-help").textContent = form.mode === "register" ? words.registerHelp : form.anonymous ? words.attachHelp : "";
  $("form-help").hidden = !$("form-help").textContent;
  $("form-submit").textContent = form.mode === "register" ? words.saveRegister : words.saveEdit;
  $("size-field").hidden = false;
  household.render(words);
}

function openForm({ members, stay = null, language = "ja", ...form }) {
  state.form = { sizeTouched: false, originalSize: 0, originalMembers: 0, anonymous: false, ...form };
  $("form").reset();
  $("form-error").textContent = "";
  const record = state.form.record;
  household.load({
    members, stay, language, pets: record ? record.pets : 0, phone: record && record.phone ? record.phone : "",
    consent: !!(record && record.consent_safety_info),
  });
  renderForm();
  $("size").value = String(record ? record.size : 1);
  showView("form");
  $("form-title").focus();
}

function openRegister() {
  openForm({ mode: "register", members: [blankMember()], language: state.lang === "en" ? "en" : "ja" });
}

export async function openEdit(entry) {
  let record;
  try {
    record = await call(`/households/${encodeURIComponent(entry.household_id)}`);
  } catch (error) {
    if (error.status === 401) return;
    say(problemText(error));
    loadRoster();
    return;
  }
  const members = record.members.map((m) => ({
    name: m.name, kana: m.name_kana || "", birthYear: m.birth_year ? String(m.birth_year) : "",
    sex: m.sex || "", needs: new Set(m.needs),
  }));
  openForm({
    mode: "edit", record, householdId: record.household_id, focusKey: `edit:${record.household_id}`,
    members: members.length ? members : [blankMember()], stay: record.stay, language: record.language,
    anonymous: record.anonymous || !record.members.length, originalSize: record.size,
    originalMembers: record.members.length,
  });
}

// Back to the roster with nothing typed left in the form.
function closeForm(focusKey = null) {
  forgetForm();
  backToRoster(focusKey);
}

async function submitForm(event) {
  event.preventDefault();
  const form = state.form;
  if (!form || form.sending) return;
  const words = t();
  const data = household.bodyToSend($("form-error"));
  if (!data) return;
  {
    // Registering at the door, the size may be more than the names given ("a family of 5,
    // two names now"); correcting, it may keep people counted without names.
    const size = Number.parseInt(folded($("size").value), 10);
    if (Number.isFinite(size)) {
      if (size < data.members.length) {
        $("form-error").textContent = words.sizeTooSmall(data.members.length);
        $("size").focus();
        return;
      }
      data.size = size;
    }
  }
  $("form-error").textContent = "";
  form.sending = true;
  $("form-submit").disabled = true;
  $("form-submit").textContent = words.sending;
  try {
    if (form.mode === "register") await register(data);
    else await correct(form, data);
  } catch (error) {
    if (error.status !== 401) {
      $("form-error").textContent = problemText(error);
    }
  } finally {
    form.sending = false;
    $("form-submit").disabled = false;
    if (state.form === form) renderForm();
  }
}

async function correct(form, data) {
  const record = await call(`/households/${encodeURIComponent(form.householdId)}`, { method: "PUT", body: data });
  await loadRoster();
  closeForm(form.focusKey);
  say(t().saved(record.members.length ? record.members[0].name : t().noName));
}

// Register at the door, then check in here.
async function register(data) {
  const created = await call("/households", { method: "POST", body: data });
  const name = data.members[0].name;
  forgetForm();
  await showRegistered(created, name);
}

export function forgetForm() {
  state.form = null;
  household.forget();
  $("form").reset();
}

export function bindForm() {
  $("register").addEventListener("click", openRegister);
  $("size").addEventListener("input", () => { if (state.form) state.form.sizeTouched = true; });
  $("form").addEventListener("submit", submitForm);
  $("form-cancel").addEventListener("click", () => closeForm(state.form && state.form.focusKey));
}
