// What the public page and HQ read out of a ShelterStatus: room or how far over, whether a
// shelter has room to offer, whether it is filling fast (its forecast), and the way there.
//
// The level itself always comes from the server (occupancy.fullness, the one rule); these
// helpers only put its numbers into words and never decide a level of their own.

export function overBy(shelter) {
  return Math.max(shelter.occupancy - shelter.capacity, 0);
}

// Room to offer someone looking for a place: the server's level says not full and not
// closed, and there is a place left (mirrors Fullness.has_room).
export function hasRoom(shelter) {
  return shelter.open && shelter.level !== "full" && shelter.level !== "closed" && shelter.vacancy > 0;
}

// The words next to the level: "あと 35 人", or for an over-full shelter how many over.
export function levelWords(shelter, words) {
  const over = overBy(shelter);
  const word = words.levels[shelter.level];
  return shelter.level === "full" && over > 0 ? `${word} ${words.over(over)}` : word;
}

// A shelter the server calls full offers no place, even below capacity (when 満員 is set
// below 100 %): the words never say "10 places left" next to 満員.
export function roomWords(shelter, words) {
  if (!shelter.open) return "";
  if (hasRoom(shelter)) return words.placesLeft(shelter.vacancy);
  const over = overBy(shelter);
  return over > 0 ? words.overLong(over) : words.noRoom;
}

export function distanceKm(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const dp = (lat2 - lat1) * rad;
  const dl = (lon2 - lon1) * rad;
  const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
}

// The kinds of space a shelter may have (ShelterStatus.spaces, docs/spaces.md), in the
// order the pages show them.
export const SPACE_KINDS = ["accessible", "pets"];

export function spaceOf(shelter, kind) {
  return (shelter.spaces || []).find((space) => space.kind === kind) || null;
}

// THE one rule on the pages for "has room of that kind" (the public filters and the
// nearest-with-room button both use it). It mirrors the server's room_for for one place of
// that kind (occupancy/service.py, and /shelters/nearest?need=): the shelter is open and
// has that space with vacancy > 0; a shelter with no such space has no room of that kind.
// ShelterStatus carries no level per space, so this reads vacancy; with 満員 at 100 % (the
// default threshold) that is the server's rule exactly.
export function hasSpaceRoom(shelter, kind) {
  const space = spaceOf(shelter, kind);
  return Boolean(shelter.open && space && space.vacancy > 0);
}

// Every kind asked for has room (no kinds asked: every shelter fits).
export function fitsKinds(shelter, kinds) {
  return kinds.every((kind) => hasSpaceRoom(shelter, kind));
}

// The nearest shelter with room from a place (and room of each kind asked for), or null.
export function nearestWithRoom(shelters, here, kinds = []) {
  let best = null;
  for (const s of shelters) {
    if (!hasRoom(s) || !fitsKinds(s, kinds)) continue;
    const km = distanceKm(here.lat, here.lon, s.lat, s.lon);
    if (!best || km < best.km) best = { shelter: s, km };
  }
  return best;
}

// Directions in the phone's own maps app: the shelter's position and nothing else (no
// origin, no name, nothing about the person). Apple devices open Apple Maps; everything
// else opens Google Maps, which hands over to the Android app when it is installed.
export function directionsUrl(shelter, userAgent = navigator.userAgent) {
  const at = `${shelter.lat.toFixed(6)},${shelter.lon.toFixed(6)}`;
  if (/iPhone|iPad|iPod|Macintosh/.test(userAgent)) return `https://maps.apple.com/?daddr=${at}`;
  return `https://www.google.com/maps/dir/?api=1&destination=${at}`;
}

// "Filling fast": full within this long at the rate it is filling.
export const FILLING_WITHIN_MS = 60 * 60 * 1000;

// The one place that says where a forecast comes from: the server's (ShelterStatus.forecast,
// net arrivals per hour over its window and when that fills the shelter; see
// docs/forecast.md). The page computes no rate of its own.
export function forecastOf(shelter) {
  return shelter.forecast || null;
}

// When an open shelter that still has room will be full, if that is within the hour.
export function fillingSoon(shelter, now = Date.now()) {
  if (!shelter.open || shelter.level === "full" || shelter.level === "closed") return null;
  const forecast = forecastOf(shelter);
  if (!forecast || !forecast.full_at) return null;
  const at = new Date(forecast.full_at);
  return at.getTime() - now <= FILLING_WITHIN_MS ? at : null;
}
