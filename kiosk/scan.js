// Recording a scan: the event goes to the IndexedDB outbox first, and only then to the
// server. Online, the server's answer (household size, moved, over capacity) is shown;
// offline, or when the answer is slow, the kiosk confirms at once from the outbox and the
// Sync loop uploads it later. Nothing is lost on reload.
import { ApiError, apiJson, uuid } from "../dashboard/common/api.js";
import { $ } from "../dashboard/common/dom.js";
import { wire } from "./outbox.js";
import { state } from "./state.js";
import { keepLastKnown, renderHeader, renderSync } from "./header.js";
import { onStayPick, refusal, resultFromAnswer, show } from "./result.js";
import { remember, updateRecent } from "./recent.js";
import { showPass } from "./pass.js";
import { enrol, enrolTokenIn } from "./enrol.js";

// Past this, a scan is confirmed from the outbox and the answer arrives with the sync.
const ANSWER_WITHIN_MS = 1500;

// ---- pass codes: the same forgiving reading as the server's ----
export function normalizeCode(text) {
  const folded = text.normalize("NFKC").toUpperCase()
    .replace(/[\s\-‐－ー_]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-Z]{16,40}$/.test(folded) ? folded : null;
}

export async function refreshPending() {
  state.pending = await state.outbox.count();
  renderSync();
}

export function newEvent(fields) {
  return {
    event_id: uuid(),
    shelter_id: state.enrolment.shelter_id,
    occurred_at: new Date().toISOString(),
    pass_code: null,
    headcount: null,
    ...fields,
  };
}

// How long from a scan to the confirmation on screen (read by bench/kiosk_latency.py).
function mark(started, outcome) {
  requestAnimationFrame(() => {
    window.kioskTimings = window.kioskTimings || [];
    window.kioskTimings.push({ outcome, ms: performance.now() - started });
  });
}

// The server will not take this event however often it is sent (not a network problem,
// not a revoked token, not a busy server): it leaves the outbox.
function refused(error) {
  return error instanceof ApiError && error.status !== 0 && error.status !== 401
    && error.status !== 429 && error.status < 500;
}

export async function record(event, { walkIn = false } = {}) {
  const started = performance.now();
  await state.outbox.put(event); // durable first: from here on it cannot be lost
  refreshPending();
  const kind = event.kind === "check_in" ? "in" : "out";
  remember({ id: event.event_id, kind, pass: event.pass_code, headcount: event.headcount,
    status: "queued", at: new Date(event.occurred_at) });
  const queued = () => {
    // Offline: the household's plan is not known here, so no stay is shown pressed unless
    // one was chosen; a tap still records the choice.
    const stay = kind === "in" && event.pass_code
      ? { pass: event.pass_code, current: event.stay || null } : null;
    show(walkIn
      ? { tone: "ok", title: (w) => w.walkInQueued(event.headcount), detail: (w) => w.walkInQueuedDetail }
      : { tone: "ok", title: (w) => w.queued[kind], detail: (w) => w.queuedDetail, stay });
    mark(started, "queued");
    state.sync.soon();
  };
  if (!navigator.onLine) return queued();
  let answer;
  try {
    answer = await apiJson("/events", {
      method: "POST", token: state.enrolment.token, body: wire(event), timeoutMs: ANSWER_WITHIN_MS,
    });
  } catch (error) {
    if (error.status === 401) unauthorized();
    if (!refused(error)) return queued();
    await state.outbox.remove([event.event_id]);
    await refreshPending();
    const code = error.status === 404 ? "unknown_pass" : error.code; // a pass nobody holds
    updateRecent(event.event_id, { status: "rejected", code });
    show(refusal(code));
    mark(started, "refused");
    return;
  }
  await state.outbox.remove([event.event_id]);
  await refreshPending();
  state.sync.lastSync = new Date();
  renderSync();
  state.feed.keep(answer.shelter);
  keepLastKnown();
  renderHeader();
  updateRecent(event.event_id, { status: "applied", newPass: walkIn ? answer.pass_code : null });
  if (walkIn) {
    showPass(answer.pass_code, event.headcount);
    show({ tone: "ok", title: (w) => w.walkInDone(event.headcount), detail: "" });
  } else {
    show(resultFromAnswer(answer, kind));
  }
  mark(started, "answered");
}

// A tap on a stay in the result: the household's people move inside or out, as an event.
onStayPick((pass, stay) => record(newEvent({ kind: "check_in", pass_code: pass, stay })));

// Every way a code comes in ends here: the handheld scanner, the camera, typing.
export function onScan(text, source) {
  if (!state.enrolment) {
    const token = enrolTokenIn(text);
    if (token) enrol(token);
    return;
  }
  if ($("walkin").open || $("pass").open) return;
  const code = normalizeCode(text);
  if (!code) {
    show(refusal("invalid")); // unreadable here, as the server would say
    return;
  }
  record(newEvent({ kind: state.mode === "in" ? "check_in" : "check_out", pass_code: code }));
  if (source !== "manual") $("manual-code").value = "";
}

// The outbox drained by the batch upload: what the server did with each event.
export function onSyncResults(results) {
  for (const item of results) {
    if (item.status === "rejected") {
      state.refused += 1;
      updateRecent(item.event_id, { status: "rejected", code: item.code });
    } else {
      const walkIn = item.event && !item.event.pass_code;
      updateRecent(item.event_id, { status: "applied", newPass: walkIn ? item.pass_code : null });
    }
  }
  refreshPending();
}

export function unauthorized() {
  state.unauthorized = true;
  show({ tone: "error", title: (w) => w.errors.unauthorized, detail: "" });
  renderHeader();
}
