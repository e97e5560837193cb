// The public vacancy page (/): every shelter's level and room, nearest first once the
// person allows it, on a list and a simple map that needs no tiles from anywhere.
import { STRINGS } from "../common/strings.js";
import { clock, saveLanguage, savedLanguage, shelterName, wordsFor } from "../common/i18n.js";
import { LEVEL_ICONS, announceLevel, showStatus } from "../common/live.js";
import { LiveFeed } from "../common/feed.js";
import { html, setTexts, svg } from "../common/dom.js";

const LANG_KEY = "shelter.lang"; // shared with HQ and the staff desk

let lang = savedLanguage(LANG_KEY, STRINGS);
let here = null; // {lat, lon} once the person allows it
let status = { state: "connecting", since: null };
const levelsSeen = new Map();

const feed = new LiveFeed({
  onState: (changed) => {
    if (changed) announce(changed);
    render();
  },
  onStatus: (state, since) => {
    status = { state, since };
    renderStatus();
  },
});

function t() {
  return wordsFor(STRINGS, lang);
}

function announce(shelter) {
  announceLevel(levelsSeen, shelter, t());
}

function distanceKm(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const dp = (lat2 - lat1) * rad;
  const dl = (lon2 - lon1) * rad;
  const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
}

function ordered() {
  const list = [...feed.shelters.values()];
  if (here) {
    for (const s of list) s.distance = distanceKm(here.lat, here.lon, s.lat, s.lon);
    return list.sort((a, b) => a.distance - b.distance);
  }
  return list.sort((a, b) => a.id.localeCompare(b.id));
}

function card(shelter) {
  const words = t();
  const level = html("span", { class: "level", "data-level": shelter.level },
    html("span", { "aria-hidden": "true" }, LEVEL_ICONS[shelter.level]), words.levels[shelter.level]);
  const rows = [
    html("h3", {}, shelterName(shelter, lang)),
    html("div", { class: "row" }, level,
      shelter.open ? html("span", { class: "vacancy" }, words.placesLeft(shelter.vacancy)) : ""),
    html("div", { class: "row meta muted" },
      html("span", {}, words.occupancy(shelter.occupancy, shelter.capacity)),
      here ? html("span", { class: "distance" }, words.distance(shelter.distance)) : "",
      html("span", {}, words.updated(clock(shelter.updated_at, lang)))),
    html("div", { class: "meta muted" }, shelter.address),
  ];
  return html("li", { class: "card", "data-id": shelter.id }, ...rows);
}

function renderMap(list) {
  const box = document.getElementById("map");
  box.replaceChildren();
  const points = list.map((s) => ({ lat: s.lat, lon: s.lon }));
  if (here) points.push(here);
  if (!points.length) return;
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const pad = 0.01;
  const minLat = Math.min(...lats) - pad, maxLat = Math.max(...lats) + pad;
  const minLon = Math.min(...lons) - pad, maxLon = Math.max(...lons) + pad;
  // Equirectangular, with longitude shrunk by cos(latitude) so distances look right.
  const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const width = 400;
  const height = Math.max(200, Math.min(600, width * (maxLat - minLat) / ((maxLon - minLon) * kx)));
  // Labels run to the right of their marker: keep room for them.
  const x = (lon) => ((lon - minLon) / (maxLon - minLon)) * (width - 200) + 20;
  const y = (lat) => height - 20 - ((lat - minLat) / (maxLat - minLat)) * (height - 40);
  const map = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "map-title" });
  for (const s of list) {
    const group = svg("g", { class: "marker", "data-id": s.id });
    group.append(svg("circle", { cx: x(s.lon), cy: y(s.lat), r: 9, class: `fill-${s.level}`,
      stroke: "#1b1f24", "stroke-width": 2 }));
    group.append(svg("text", { x: x(s.lon) + 12, y: y(s.lat) + 5 },
      `${shelterName(s, lang)} ${LEVEL_ICONS[s.level]}`));
    map.append(group);
  }
  if (here) {
    map.append(svg("rect", { x: x(here.lon) - 7, y: y(here.lat) - 7, width: 14, height: 14, class: "you" }));
    map.append(svg("text", { x: x(here.lon) + 12, y: y(here.lat) + 5 }, t().you));
  }
  box.append(map);
}

function render() {
  const list = ordered();
  for (const s of list) if (!levelsSeen.has(s.id)) levelsSeen.set(s.id, s.level);
  document.getElementById("shelters").replaceChildren(...list.map(card));
  renderMap(list);
  if (feed.asOf) document.getElementById("updated").textContent = t().updated(clock(feed.asOf, lang));
}

function renderStatus() {
  showStatus(status, t());
}

function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = `${words.title} / ${STRINGS[lang === "ja" ? "en" : "ja"].title}`;
  setTexts({
    title: words.title, lead: words.lead, "register-link": words.register, "list-title": words.list,
    "map-title": words.map, "map-note": words.attribution, locate: words.useLocation,
  });
  const button = document.getElementById("language");
  button.textContent = words.language;
  button.setAttribute("aria-label", words.languageLabel);
  renderStatus();
  render();
}

document.getElementById("language").addEventListener("click", () => {
  lang = lang === "ja" ? "en" : "ja";
  saveLanguage(LANG_KEY, lang);
  renderStatic();
});

document.getElementById("locate").addEventListener("click", () => {
  const note = document.getElementById("location-note");
  if (!navigator.geolocation) {
    note.textContent = t().locationDenied;
    return;
  }
  note.textContent = t().locating;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      here = { lat: position.coords.latitude, lon: position.coords.longitude };
      note.textContent = t().locationOn;
      render();
    },
    () => { note.textContent = t().locationDenied; },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
  );
});

saveLanguage(LANG_KEY, lang);
renderStatic();
feed.start();
