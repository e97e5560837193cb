// The outbox: every scan is written here (IndexedDB) before anything else happens, and
// leaves only when the server has answered for it. Events carry their own UUID, so sending
// one twice (a retry, a reload in the middle of an upload, a single POST racing the batch)
// is answered "duplicate" by the server and never counted twice.
import { apiJson } from "../dashboard/common/api.js";

const DB_NAME = "shelter-kiosk";
const STORE = "outbox";
const BATCH = 500; // the batch endpoint's limit

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

export class Outbox {
  static async open() {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => {
      const store = opening.result.createObjectStore(STORE, { keyPath: "event_id" });
      store.createIndex("occurred_at", "occurred_at");
    };
    return new Outbox(await request(opening));
  }

  constructor(db) {
    this.db = db;
  }

  // Resolves once the event is durable in the browser's storage ("strict" asks the
  // browser to flush before it reports completion, where it supports that).
  async put(event) {
    const tx = this.db.transaction(STORE, "readwrite", { durability: "strict" });
    tx.objectStore(STORE).put(event);
    await done(tx);
  }

  async remove(ids) {
    if (!ids.length) return;
    const tx = this.db.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    for (const id of ids) store.delete(id);
    await done(tx);
  }

  async count() {
    return request(this.db.transaction(STORE).objectStore(STORE).count());
  }

  // Oldest first, so the server sees a household's events in the order they happened.
  async oldest(limit = BATCH) {
    const index = this.db.transaction(STORE).objectStore(STORE).index("occurred_at");
    return request(index.getAll(null, limit));
  }
}

// Sends the outbox with POST /api/v1/events/batch whenever there is something to send,
// retrying with exponential backoff (and the server's Retry-After) until it gets through.
export class Sync {
  constructor({ outbox, token, onResults, onState, onUnauthorized }) {
    this.outbox = outbox;
    this.token = token;
    this.onResults = onResults;
    this.onState = onState;
    this.onUnauthorized = onUnauthorized;
    this.running = false;
    this.again = false;
    this.delay = 0;
    this.timer = null;
    this.lastSync = null;
  }

  soon() {
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 0);
  }

  async flush() {
    if (this.running) return;
    this.running = true;
    this.again = false;
    let retryIn = null;
    try {
      for (;;) {
        const events = await this.outbox.oldest();
        if (!events.length) break;
        this.onState({ sending: true });
        const outcome = await this.send(events);
        if (outcome.retryIn !== undefined) {
          retryIn = outcome.retryIn;
          break;
        }
      }
    } finally {
      this.running = false;
      this.onState({ sending: false });
    }
    if (retryIn !== null) {
      this.timer = setTimeout(() => this.flush(), retryIn);
    } else if (this.again) {
      this.soon();
    }
  }

  backoff(serverSays = null) {
    this.delay = Math.min(this.delay ? this.delay * 2 : 1000, 30000);
    const wait = serverSays !== null ? Math.max(serverSays * 1000, this.delay) : this.delay;
    return { retryIn: wait * (0.8 + Math.random() * 0.4) };
  }

  async send(events) {
    let results;
    try {
      ({ results } = await apiJson("/events/batch", {
        method: "POST", token: this.token, body: { events: events.map(wire) },
      }));
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        this.onUnauthorized();
        return { retryIn: 60000 };
      }
      return this.backoff(error.retryAfter ?? null); // offline or refused: try again later
    }
    // Only what the server answered for leaves the outbox; anything else is sent again,
    // including what it deferred (too many unknown codes in one upload: not looked at).
    const answered = results.filter((item) => item.event_id && item.status !== "deferred");
    await this.outbox.remove(answered.map((item) => item.event_id));
    const deferred = answered.length < results.length;
    if (!deferred) this.delay = 0; // deferred ones back off further each time
    this.lastSync = new Date();
    const sent = new Map(events.map((event) => [event.event_id, event]));
    this.onResults(answered.map((item) => ({ ...item, event: sent.get(item.event_id) })));
    // Deferred ones wait: the next upload meets the limit's 429 and its Retry-After.
    return deferred ? this.backoff(null) : {};
  }
}

// What the server takes: the event without the kiosk's own bookkeeping.
export function wire(event) {
  const { event_id, shelter_id, kind, pass_code, headcount, occurred_at } = event;
  // stay only when chosen: left out, the server uses the household's planned stay.
  const chosen = event.stay ? { stay: event.stay } : {};
  return { event_id, shelter_id, kind, pass_code, headcount, occurred_at, ...chosen };
}
