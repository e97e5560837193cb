// Three ways a pass code comes in: a handheld scanner (a "keyboard wedge"), the camera,
// and typing by hand. All three end in the same onScan(text, source) callback.

// A handheld scanner types the code and Enter. Keys are read by their physical position
// (event.code), not by the character they produce, so a Japanese IME (which turns "A"
// into "あ") or another keyboard layout cannot change what we read. Pass codes are
// [0-9A-Z] only, which is exactly what these positions give.
function keyCharacter(event) {
  const letter = /^Key([A-Z])$/.exec(event.code);
  if (letter) return letter[1];
  const digit = /^(?:Digit|Numpad)([0-9])$/.exec(event.code);
  return digit ? digit[1] : null;
}

// Inside a text field a person may be typing; only a burst faster than any person types
// (a scanner sends a key every few milliseconds) is taken as a scan there.
const BURST_MS = 35;
const FORGET_MS = 1500;
const SHORTEST = 16; // the shortest pass code the contract allows

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

// What a person types by hand never joins a scan: in a text field the buffer holds only
// the current burst (a pause longer than a scanner's restarts it), the buffer restarts when
// the keys move to another element (a partial code left in a field, then a scan with no
// field focused), and the returned clear() empties it (after the typed code is sent).
export function listenForWedge(onScan, { enabled = () => true } = {}) {
  let buffer = "";
  let last = 0;
  let burst = true;
  let from = null; // the element the buffered keys went to
  const clear = () => {
    buffer = "";
    burst = true;
    from = null;
  };
  document.addEventListener("keydown", (event) => {
    if (!enabled()) return;
    const now = performance.now();
    const gap = now - last;
    if (gap > FORGET_MS || event.target !== from) clear();
    else if (buffer && gap > BURST_MS) {
      if (typing(event.target)) clear(); // a person's key: a scan may start from here
      else burst = false;
    }
    last = now;
    from = event.target;
    if (event.code === "Enter" || event.code === "NumpadEnter") {
      const code = buffer;
      const wasBurst = burst;
      clear();
      if (code.length >= SHORTEST && (wasBurst || !typing(event.target))) {
        event.preventDefault();
        event.stopPropagation();
        if (typing(event.target) && "value" in event.target) event.target.value = "";
        onScan(code, "wedge");
      }
      return;
    }
    const character = keyCharacter(event);
    if (character === null) return;
    buffer += character;
    if (!typing(event.target)) event.preventDefault();
  }, true);
  return { clear };
}

// The camera: the browser's own BarcodeDetector where it has one for QR codes, else the
// barcode-detector polyfill (zxing-cpp compiled to WebAssembly), both files served by our
// own server so that scanning works with no internet.
const WASM_URL = "/kiosk/vendor/zxing_reader.wasm";

async function makeDetector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch {
      // fall through to the polyfill
    }
  }
  const api = window.BarcodeDetectionAPI;
  if (!api) return null;
  api.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path),
    },
    fireImmediately: true,
  });
  return new api.BarcodeDetector({ formats: ["qr_code"] });
}

export class Camera {
  constructor(video, onScan, onState) {
    this.video = video;
    this.onScan = onScan;
    this.onState = onState;
    this.stream = null;
    this.detector = null;
    this.seen = new Map(); // text -> when, so one pass held up is read once
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (!window.isSecureContext || !navigator.mediaDevices) {
      this.onState("insecure"); // plain HTTP on a LAN address: no camera, by browser rule
      return;
    }
    this.onState("starting");
    this.detector = this.detector || await makeDetector();
    if (!this.detector) {
      this.onState("no-decoder");
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch {
      this.stream = null;
      this.onState("denied");
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    this.onState("running");
    this.loop();
  }

  stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.onState("stopped");
  }

  async loop() {
    while (this.stream) {
      if (this.video.readyState >= 2) {
        try {
          for (const code of await this.detector.detect(this.video)) this.found(code.rawValue);
        } catch {
          // a frame that could not be read; the next one will be
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  }

  found(text) {
    const now = Date.now();
    for (const [key, when] of this.seen) if (now - when > 4000) this.seen.delete(key);
    if (this.seen.has(text)) return;
    this.seen.set(text, now);
    this.onScan(text, "camera");
  }
}
