// The live feed client: one websocket, reconnect with backoff, resync on every connect.
//
// The server sends a snapshot first and updates after it; per shelter we keep the state
// with the highest version, so a late or repeated message can never roll a count back.
export class LiveFeed {
  constructor({ onState, onStatus, onMessage }) {
    this.shelters = new Map();
    this.totals = null;
    this.asOf = null;
    this.onState = onState;
    this.onStatus = onStatus;
    this.onMessage = onMessage || (() => {});
    this.backoff = 500;
    this.lastLive = null;
    this.socket = null;
    this.firstMessage = null;
  }

  start() {
    this.connect();
  }

  send(payload) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(payload));
    }
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.onStatus(this.lastLive ? "reconnecting" : "connecting", this.lastLive);
    const socket = new WebSocket(`${scheme}//${location.host}/ws/occupancy`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.backoff = 500;
      if (this.firstMessage) socket.send(JSON.stringify(this.firstMessage));
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.onStatus(this.lastLive ? "stale" : "connecting", this.lastLive);
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    });
  }

  receive(message) {
    if (message.type === "snapshot") {
      // A snapshot is the whole list: a shelter it does not name was removed.
      const named = new Set(message.shelters.map((shelter) => shelter.id));
      for (const id of [...this.shelters.keys()]) if (!named.has(id)) this.shelters.delete(id);
      for (const shelter of message.shelters) this.keep(shelter);
      this.accept(message);
      this.onStatus("live", this.lastLive);
    } else if (message.type === "update") {
      const changed = this.keep(message.shelter);
      this.accept(message);
      if (changed) this.onState(message.shelter);
      return;
    } else {
      this.onMessage(message);
      return;
    }
    this.onState(null);
  }

  accept(message) {
    this.totals = message.totals;
    this.asOf = message.as_of;
    this.lastLive = new Date();
  }

  keep(shelter) {
    const known = this.shelters.get(shelter.id);
    // The same version may come again with a newer forecast (its window slid on while
    // the counts stood still): take it; only an older version is stale.
    if (known && known.version > shelter.version) return false;
    this.shelters.set(shelter.id, shelter);
    return true;
  }
}
