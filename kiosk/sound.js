// How the kiosk says an outcome besides the screen: a short tone, and the words for a
// screen reader.
import { $ } from "../dashboard/common/dom.js";

// Tones made on the spot: nothing to download, works offline.
let audio = null;
export function beep(ok) {
  try {
    audio = audio || new AudioContext();
    const notes = ok ? [880, 1320] : [220, 180];
    notes.forEach((frequency, i) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = ok ? "sine" : "square";
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.15;
      oscillator.connect(gain).connect(audio.destination);
      const start = audio.currentTime + i * 0.12;
      oscillator.start(start);
      oscillator.stop(start + 0.1);
    });
  } catch {
    // no audio device: the screen and the screen reader still say it
  }
}

// The same words twice in a row (two households of three) must still be read, so the text
// alternates a trailing no-break space.
export function announce(said) {
  const announcer = $("announcer");
  announcer.textContent = announcer.textContent === said ? `${said}\u00a0` : said;
}
