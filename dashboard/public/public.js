// The public vacancy page (/): every shelter's level and room on a list and a map, the
// nearest shelter with room once the person allows their location, and directions in
// the phone's maps app.
//
// The map is Leaflet with the tiles the service is configured for (地理院タイル by
// default). With no tiles configured, offline, or with tiles blocked, the page falls back
// to a drawing that needs nothing from anywhere, and says why.
import { STRINGS } from "../common/strings.js";
import { clock, saveLanguage, savedLanguage, shelterName, wordsFor } from "../common/i18n.js";
import { LEVEL_ICONS, announceLevel, showStatus } from "../common/live.js";
import { LiveFeed } from "../common/feed.js";
import { html, setTexts, svg } from "../common/dom.js";
import { apiJson } from "../common/api.js";
import {
  SPACE_KINDS, directionsUrl, distanceKm, fillingSoon, fitsKinds, levelWords, nearestWithRoom, roomWords,
  spaceOf,
} from "../common/watch.js";

const LANG_KEY = "shelter.lang"; // shared with HQ and the staff desk

let lang = savedLanguage(LANG_KEY, STRINGS);
let here = null; // {lat, lon} once the person allows it
let status = { state: "connecting", since: null };
const levelsSeen = new Map();
// The kinds of space the person asked for (the filter toggles). Kept here, not in the DOM,
// so a live update re-renders with them still on.
const filters = new Set();

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

function kmWords(km) {
  return t().distance(km);
}

// A shelter's name, marked Japanese when it has no English name (so a screen reader
// reads it right, and the English page knows it is data, not the page's own words).
function nameOf(shelter) {
  const name = shelterName(shelter, lang);
  return name === shelter.name ? html("span", { lang: "ja" }, name) : html("span", {}, name);
}

function levelPill(shelter) {
  return html("span", { class: "level", "data-level": shelter.level },
    html("span", { "aria-hidden": "true" }, LEVEL_ICONS[shelter.level]), levelWords(shelter, t()));
}

function fillingBadge(shelter) {
  const at = fillingSoon(shelter);
  return at ? html("span", { class: "filling" }, t().fillingAt(clock(at, lang).slice(0, 5))) : "";
}

// Each space the shelter has, with the places (or animals) left, or 満 when none.
function spacesRow(shelter) {
  const words = t();
  const items = SPACE_KINDS.map((kind) => spaceOf(shelter, kind)).filter(Boolean).map((space) => {
    const full = space.vacancy <= 0;
    return html("span", { class: full ? "space full" : "space", "data-kind": space.kind },
      words.spaceLine(words.spaceNames[space.kind],
        full ? words.spaceFull : words.spaceLeft[space.kind](space.vacancy)));
  });
  return items.length ? html("div", { class: "row spaces" }, ...items) : "";
}

function outsideRow(shelter) {
  return shelter.outside > 0
    ? html("div", { class: "row outside" }, t().outsideCount(shelter.outside)) : "";
}

function directionsLink(shelter) {
  const words = t();
  return html("a", {
    class: "directions", href: directionsUrl(shelter), target: "_blank", rel: "noopener noreferrer",
    "aria-label": words.directionsLabel(shelterName(shelter, lang)),
  }, words.directions);
}

// The shelters the filters let through: with a filter on, only open shelters with room of
// that kind (watch.js hasSpaceRoom, the one rule).
function shown() {
  return [...feed.shelters.values()].filter((s) => fitsKinds(s, [...filters]));
}

function ordered() {
  const list = shown();
  if (here) {
    for (const s of list) s.distance = distanceKm(here.lat, here.lon, s.lat, s.lon);
    return list.sort((a, b) => a.distance - b.distance);
  }
  return list.sort((a, b) => a.id.localeCompare(b.id));
}

function card(shelter) {
  const words = t();
  const rows = [
    html("h3", {}, nameOf(shelter)),
    html("div", { class: "row" }, levelPill(shelter),
      shelter.open ? html("span", { class: "vacancy" }, roomWords(shelter, words)) : "",
      fillingBadge(shelter)),
    spacesRow(shelter),
    outsideRow(shelter),
    html("div", { class: "row meta muted" },
      html("span", {}, words.occupancy(shelter.occupancy, shelter.capacity)),
      here ? html("span", { class: "distance" }, kmWords(shelter.distance)) : "",
      html("span", {}, words.updated(clock(shelter.updated_at, lang)))),
    html("div", { class: "row meta" }, html("span", { class: "muted", lang: "ja" }, shelter.address),
      directionsLink(shelter)),
  ];
  return html("li", { class: "card", "data-id": shelter.id }, ...rows);
}

// The nearest shelter with room, once the person has allowed their location.
function renderNearest() {
  const box = document.getElementById("nearest");
  if (!here) {
    box.hidden = true;
    return;
  }
  const words = t();
  const kinds = [...filters];
  const best = nearestWithRoom(feed.shelters.values(), here, kinds);
  box.hidden = false;
  box.dataset.id = best ? best.shelter.id : "";
  if (!best) {
    box.replaceChildren(html("p", {}, kinds.length ? words.nearestNoneFiltered : words.nearestNone));
    return;
  }
  const asked = kinds.map((kind) => words.filterNames[kind]).join(" · ");
  box.replaceChildren(
    html("h2", {}, kinds.length ? words.nearestRoomFor(asked) : words.nearestRoom),
    html("p", { class: "nearest-name" }, nameOf(best.shelter), ` · ${kmWords(best.km)}`),
    html("div", { class: "row" }, levelPill(best.shelter),
      html("span", { class: "vacancy" }, roomWords(best.shelter, words)), directionsLink(best.shelter)));
}

// ---- The map -------------------------------------------------------------------------

const map = {
  config: undefined, // GET /api/v1/map; null when it could not be read
  leaflet: null, // the Leaflet map while tiles work
  markers: new Map(),
  you: null,
  fallback: null, // why the drawing is shown: "none" | "offline" | "blocked" | "library"
  fitted: false,
};

function popupFor(shelter) {
  const words = t();
  return html("div", { class: "popup", "data-id": shelter.id },
    html("p", { class: "popup-name" }, nameOf(shelter)),
    html("p", {}, levelPill(shelter)),
    html("p", { class: "vacancy" }, roomWords(shelter, words) || words.levels.closed),
    html("p", {}, fillingBadge(shelter)),
    spacesRow(shelter),
    outsideRow(shelter),
    html("p", {}, directionsLink(shelter)));
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Leaflet writes attribution as HTML: build it from the setting's text and link, escaped.
function attributionHtml(attribution) {
  const text = `<span lang="ja">${escapeHtml(attribution.text)}</span>`;
  return attribution.url ? `<a href="${escapeHtml(attribution.url)}" target="_blank" rel="noopener noreferrer">${text}</a>` : text;
}

function startLeaflet(config) {
  const L = window.L;
  const box = document.getElementById("map");
  box.replaceChildren();
  box.classList.add("tiles");
  const leaflet = L.map(box, { zoomControl: true, attributionControl: true });
  leaflet.attributionControl.setPrefix(false);
  const layer = L.tileLayer(config.tiles, {
    maxZoom: config.max_zoom, attribution: attributionHtml(config.attribution), crossOrigin: false,
  });
  let loaded = 0;
  let failed = 0;
  layer.on("tileload", () => { loaded += 1; });
  layer.on("tileerror", () => {
    failed += 1;
    if (!loaded && failed >= 2) useDrawing("blocked");
  });
  // No tile at all after a while (a proxy that holds requests open): the drawing instead.
  setTimeout(() => { if (!loaded && map.leaflet === leaflet) useDrawing("blocked"); }, 8000);
  layer.addTo(leaflet);
  leaflet.getContainer().setAttribute("aria-label", t().mapLabel);
  map.leaflet = leaflet;
  map.fallback = null;
  map.fitted = false;
}

function useDrawing(reason) {
  if (map.leaflet) {
    map.leaflet.remove();
    map.leaflet = null;
    map.markers.clear();
    map.you = null;
  }
  const box = document.getElementById("map");
  box.classList.remove("tiles");
  map.fallback = reason;
  renderMapNote();
  render();
}

async function setupMap() {
  try {
    map.config = await apiJson("/map", { timeoutMs: 10000 });
  } catch {
    map.config = null;
  }
  if (!map.config || !map.config.tiles) useDrawing(map.config ? "none" : "offline");
  else if (!window.L) useDrawing("library");
  else if (navigator.onLine === false) useDrawing("offline");
  else startLeaflet(map.config);
  renderMapNote();
  render();
}

function renderMapNote() {
  const words = t();
  const note = document.getElementById("map-note");
  const reasons = { none: words.mapNoTiles, offline: words.mapOffline, blocked: words.mapBlocked,
    library: words.mapNoLibrary };
  note.dataset.fallback = map.fallback || "";
  note.textContent = map.fallback ? reasons[map.fallback] : map.leaflet ? words.mapTiles : "";
}

function renderLeaflet(list) {
  const L = window.L;
  const leaflet = map.leaflet;
  // A view first: Leaflet adds layers (and their elements) only to a map that has one.
  if (!map.fitted && list.length) {
    const points = list.map((s) => [s.lat, s.lon]);
    if (here) points.push([here.lat, here.lon]);
    leaflet.fitBounds(points, { paddingTopLeft: [30, 30], paddingBottomRight: [150, 30], maxZoom: 15 });
    map.fitted = true;
  }
  const ids = new Set(list.map((s) => s.id));
  for (const [id, marker] of map.markers) {
    if (!ids.has(id)) {
      marker.remove();
      map.markers.delete(id);
    }
  }
  for (const s of list) {
    let marker = map.markers.get(s.id);
    const className = `marker fill-${s.level}`;
    if (!marker) {
      marker = L.circleMarker([s.lat, s.lon], { radius: 12, weight: 3, color: "#1b1f24", fillOpacity: 1, className });
      marker.shelter = s; // before addTo: a permanent tooltip reads it at once
      marker.bindPopup(() => popupFor(marker.shelter));
      marker.bindTooltip(() => html("span", {}, `${shelterName(marker.shelter, lang)} ${LEVEL_ICONS[marker.shelter.level]}`),
        { direction: "right", offset: [12, 0], permanent: list.length <= 12 });
      marker.addTo(leaflet);
      map.markers.set(s.id, marker);
    }
    marker.shelter = s;
    marker.setLatLng([s.lat, s.lon]);
    const path = marker.getElement();
    if (path) {
      path.setAttribute("class", `leaflet-interactive ${className}`);
      path.dataset.id = s.id;
    }
    marker.setTooltipContent(html("span", {}, `${shelterName(s, lang)} ${LEVEL_ICONS[s.level]}`));
    if (marker.isPopupOpen()) marker.setPopupContent(popupFor(s));
  }
  if (here) {
    if (!map.you) map.you = L.circleMarker([here.lat, here.lon], { radius: 8, weight: 3, color: "#fff", fillColor: "#0b57d0", fillOpacity: 1, className: "you" }).addTo(leaflet);
    map.you.setLatLng([here.lat, here.lon]);
    map.you.bindTooltip(t().you);
  }
}

// The drawing: shelters on plain paper, for when there are no tiles.
function renderDrawing(list) {
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
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "map-title" });
  for (const s of list) {
    const group = svg("g", { class: "marker", "data-id": s.id });
    group.append(svg("circle", { cx: x(s.lon), cy: y(s.lat), r: 9, class: `fill-${s.level}`,
      stroke: "#1b1f24", "stroke-width": 2 }));
    group.append(svg("text", { x: x(s.lon) + 12, y: y(s.lat) + 5 },
      `${shelterName(s, lang)} ${LEVEL_ICONS[s.level]}`));
    drawing.append(group);
  }
  if (here) {
    drawing.append(svg("rect", { x: x(here.lon) - 7, y: y(here.lat) - 7, width: 14, height: 14, class: "you" }));
    drawing.append(svg("text", { x: x(here.lon) + 12, y: y(here.lat) + 5 }, t().you));
  }
  box.append(drawing);
}

function renderMap(list) {
  if (map.leaflet) renderLeaflet(list);
  else if (map.fallback) renderDrawing(list);
}

// ---------------------------------------------------------------------------------------

function render() {
  const list = ordered();
  for (const s of list) if (!levelsSeen.has(s.id)) levelsSeen.set(s.id, s.level);
  const box = document.getElementById("shelters");
  box.replaceChildren(...list.map(card));
  if (!list.length && filters.size && feed.shelters.size) {
    box.append(html("li", { class: "empty muted", id: "filter-empty" }, t().filterNone));
  }
  renderNearest();
  renderMap(list);
  if (feed.asOf) document.getElementById("updated").textContent = t().updated(clock(feed.asOf, lang));
}

function renderStatus() {
  showStatus(status, t());
}

function renderStatic() {
  const words = t();
  document.documentElement.lang = words.lang;
  document.title = words.title;
  setTexts({
    title: words.title, lead: words.lead, "register-link": words.register, "anpi-link": words.anpiLink, "list-title": words.list,
    "map-title": words.map, locate: words.useLocation,
  });
  document.getElementById("filters-title").textContent = words.filters;
  renderFilters();
  renderLocationNote();
  const button = document.getElementById("language");
  button.textContent = words.language;
  button.setAttribute("lang", lang === "ja" ? "en" : "ja");
  button.setAttribute("aria-label", words.languageLabel);
  if (map.leaflet) map.leaflet.getContainer().setAttribute("aria-label", words.mapLabel);
  renderMapNote();
  renderStatus();
  render();
}

document.getElementById("language").addEventListener("click", () => {
  lang = lang === "ja" ? "en" : "ja";
  document.getElementById("announcer").textContent = ""; // it spoke the old language
  saveLanguage(LANG_KEY, lang);
  renderStatic();
});

function renderFilters() {
  const words = t();
  for (const button of document.querySelectorAll(".filter")) {
    button.textContent = words.filterNames[button.dataset.kind];
    button.setAttribute("aria-pressed", String(filters.has(button.dataset.kind)));
  }
}

for (const button of document.querySelectorAll(".filter")) {
  button.addEventListener("click", () => {
    const kind = button.dataset.kind;
    if (filters.has(kind)) filters.delete(kind);
    else filters.add(kind);
    renderFilters();
    render();
    // The list changed under the person: say what the filter did and how many are left.
    const words = t();
    const say = filters.has(kind) ? words.filterOn : words.filterOff;
    document.getElementById("announcer").textContent = say(words.filterNames[kind], shown().length);
  });
}

// What the location note says, by key, so a change of language says it again in the other.
let locationNote = "";

function renderLocationNote() {
  document.getElementById("location-note").textContent = locationNote ? t()[locationNote] : "";
}

function noteLocation(key) {
  locationNote = key;
  renderLocationNote();
}

document.getElementById("locate").addEventListener("click", () => {
  if (!navigator.geolocation) {
    noteLocation("locationDenied");
    return;
  }
  noteLocation("locating");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      // Used here only, to measure distances: the position is never sent anywhere.
      here = { lat: position.coords.latitude, lon: position.coords.longitude };
      noteLocation("locationOn");
      render();
      const best = nearestWithRoom(feed.shelters.values(), here, [...filters]);
      if (best && map.leaflet) {
        map.leaflet.setView([best.shelter.lat, best.shelter.lon], Math.max(map.leaflet.getZoom(), 14));
        map.markers.get(best.shelter.id)?.openPopup();
      }
    },
    () => noteLocation("locationDenied"),
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
  );
});

window.addEventListener("offline", () => {
  if (map.leaflet) renderMapNote();
});

saveLanguage(LANG_KEY, lang);
renderStatic();
feed.start();
setupMap();
// "Full within the hour" moves with the clock, not only with updates.
setInterval(render, 60000);
