// What a scan records and how it comes in: the in/out toggle, the camera button (on the
// enrolment form too, for the card), the typed code, and the handheld scanner, which works
// at any time with no field to focus.
import { $ } from "../dashboard/common/dom.js";
import { Camera, listenForWedge } from "./scanner.js";
import { MODE_KEY, state, t } from "./state.js";
import { onScan } from "./scan.js";

export function renderMode() {
  $("mode-in").setAttribute("aria-pressed", String(state.mode === "in"));
  $("mode-out").setAttribute("aria-pressed", String(state.mode === "out"));
  document.body.dataset.mode = state.mode;
  $("walkin-open").hidden = state.mode !== "in";
}

export function renderCamera() {
  const words = t();
  const running = state.cameraState === "running";
  $("camera-toggle").textContent = running ? words.cameraStop : words.camera;
  $("enrol-scan").textContent = running ? words.cameraStop : words.enrolScan;
  $("camera-view").hidden = !running;
  const notes = { starting: words.cameraStarting, denied: words.cameraDenied,
    "no-decoder": words.cameraNoDecoder, insecure: words.cameraNeedsHttps };
  $("camera-note").textContent = notes[state.cameraState] || "";
}

function toggleCamera() {
  if (state.camera.running) return state.camera.stop();
  // One video element, shown where the person looks: the enrolment form or the desk.
  $(state.enrolment ? "desk-camera" : "enrol-camera").append($("camera-view"));
  return state.camera.start();
}

let wedge = null;

// ``onModeChange``: the whole page speaks of the new mode (kiosk.js draws it again).
export function bindInputs({ onModeChange }) {
  for (const mode of ["in", "out"]) {
    $(`mode-${mode}`).addEventListener("click", () => {
      state.mode = mode;
      localStorage.setItem(MODE_KEY, mode);
      state.result = null;
      onModeChange();
    });
  }
  $("manual").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("manual-code").value;
    if (value.trim()) onScan(value, "manual");
    $("manual-code").value = "";
    if (wedge) wedge.clear(); // what was typed here never joins the next scan
  });
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("enrol-scan").addEventListener("click", toggleCamera);
  state.camera = new Camera($("camera-view"), onScan, (cameraState) => {
    state.cameraState = cameraState;
    renderCamera();
  });
  // Browsers give the camera only to secure pages (HTTPS, or localhost): say so up front,
  // in the kiosk's words, instead of a button that silently does nothing.
  if (!window.isSecureContext) {
    state.cameraState = "insecure";
    renderCamera();
  }
  wedge = listenForWedge(onScan, { enabled: () => !$("walkin").open && !$("pass").open });
}
