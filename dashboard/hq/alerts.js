// HQ's alerts: what needs someone's attention now, newest first, with a beep.
//
// An alert is raised when its condition turns true and stays in the list after; the same
// condition raises a new alert only once it has cleared and come back. Conditions:
// - a shelter over capacity (people beyond its capacity, from the server's counts);
// - a shelter filling fast (its forecast full within the hour: watch.js fillingSoon);
// - a kiosk silent for more than 10 minutes (its heartbeats, from the tokens API);
// - a sudden jump in people who need care at one shelter (the needs feed).
// Alerts keep their numbers, not their words, so they re-read in the page's language.
import { fillingSoon, overBy } from "../common/watch.js";

export const KIOSK_SILENT_MS = 10 * 60 * 1000;
// "Sudden": this many more people with care needs at one shelter within this long.
export const NEEDS_JUMP = 5;
export const NEEDS_WINDOW_MS = 10 * 60 * 1000;
const KEEP = 100;

export class Alerts {
  constructor() {
    this.items = []; // newest first
    this.active = new Map(); // condition key -> its alert
    this.needsSeen = new Map(); // shelter id -> [{at, count}]
  }

  // One condition: raise when it turns on, update its numbers while on, forget when off.
  // Returns the alert when it is new.
  set(key, on, detail, now) {
    const known = this.active.get(key);
    if (!on) {
      this.active.delete(key);
      return null;
    }
    if (known) {
      Object.assign(known, detail);
      return null;
    }
    const alert = { key, at: new Date(now), ...detail };
    this.active.set(key, alert);
    this.items.unshift(alert);
    this.items.length = Math.min(this.items.length, KEEP);
    return alert;
  }

  // Shelters: over capacity and filling fast. Returns the alerts that are new.
  shelters(list, now = Date.now()) {
    const raised = [];
    for (const s of list) {
      const over = s.open ? overBy(s) : 0;
      raised.push(this.set(`over:${s.id}`, over > 0, { kind: "over", shelter: s.id, n: over }, now));
      const at = fillingSoon(s, now);
      raised.push(this.set(`filling:${s.id}`, Boolean(at), { kind: "filling", shelter: s.id, fullAt: at }, now));
    }
    return raised.filter(Boolean);
  }

  // Kiosks that reported once and then went quiet (never-used cards are not alarms).
  kiosks(tokens, now = Date.now()) {
    const raised = [];
    for (const made of tokens || []) {
      if (made.role !== "kiosk") continue;
      const seen = made.last_seen_at ? new Date(made.last_seen_at).getTime() : null;
      const silent = !made.revoked_at && seen !== null && now - seen > KIOSK_SILENT_MS;
      raised.push(this.set(`silent:${made.id}`, silent,
        { kind: "silent", shelter: made.shelter_id, label: made.label || made.id }, now));
    }
    return raised.filter(Boolean);
  }

  // People with care needs per shelter (needs.shelters[id].with_needs), as they arrive.
  needs(breakdown, now = Date.now()) {
    const raised = [];
    for (const [id, counts] of Object.entries(breakdown.shelters)) {
      const count = counts.with_needs || 0;
      const samples = (this.needsSeen.get(id) || []).filter((s) => s.at >= now - NEEDS_WINDOW_MS);
      samples.push({ at: now, count });
      this.needsSeen.set(id, samples);
      const rise = count - Math.min(...samples.map((s) => s.count));
      raised.push(this.set(`needs:${id}`, rise >= NEEDS_JUMP, { kind: "needs", shelter: id, n: rise }, now));
    }
    return raised.filter(Boolean);
  }
}

// A short two-tone beep through WebAudio (no sound file to fetch). Browsers start audio
// only after a click on the page: unlock() is called from every click.
export class Beeper {
  constructor(onBeep) {
    this.context = null;
    this.muted = false;
    this.onBeep = onBeep;
  }

  unlock() {
    try {
      if (!this.context) this.context = new AudioContext();
      if (this.context.state === "suspended") this.context.resume();
    } catch {
      this.context = null; // no audio on this device: the visible cue still works
    }
  }

  beep() {
    if (this.muted) return;
    this.unlock();
    const audio = this.context;
    if (!audio) return;
    const start = audio.currentTime;
    const gain = audio.createGain();
    gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.6);
    for (const [frequency, offset] of [[880, 0], [660, 0.3]]) {
      const tone = audio.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(start + offset);
      tone.stop(start + offset + 0.28);
    }
    this.onBeep();
  }
}
