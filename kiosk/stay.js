// Where the people of a check-in stay: inside (館内), or outside in a car, a tent or at
// home (they come for food, water and news, and take no place inside). One tap, as big
// as the in/out buttons. A check-in with a pass says nothing, so the server uses the
// household's planned stay; the result then shows that choice, and one tap on another
// sends a new check-in with that stay (moving inside or out is an event like any other).
import { html } from "../dashboard/common/dom.js";
import { t } from "./state.js";

export const STAYS = ["shelter", "car", "tent", "home"];

// The four buttons in `container`, the `current` one pressed (none when not known yet).
export function renderStayChoices(container, current, onPick) {
  const words = t();
  container.replaceChildren(...STAYS.map((stay) => {
    const button = html("button", {
      type: "button", "data-stay": stay, "aria-pressed": String(stay === current),
    }, words.stays[stay]);
    button.addEventListener("click", () => onPick(stay));
    return button;
  }));
}
