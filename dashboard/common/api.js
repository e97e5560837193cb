// Every call a page makes to the API goes through here: the kiosk, the staff desk, HQ and
// registration alike.
//
// A call carries an X-Request-ID (the server logs every line of the request under it and
// echoes it back) and, when given a token, an Authorization header: a token never rides a
// URL. An answer that is not 2xx becomes an ApiError with the HTTP status, the server's
// error code and the request id, and never the body's message: it is English, and it may
// echo what a person typed. Pages turn the code into their own words (errorText in
// i18n.js). No answer at all (offline, or slower than timeoutMs) is status 0, "offline".
const API = "/api/v1";

// For answers whose body names no code (a route the server does not have, a proxy's page).
const CODE_BY_STATUS = {
  400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
  422: "invalid", 429: "too_many_requests", 503: "unavailable",
};

export class ApiError extends Error {
  constructor(status, code, requestId, { fields = [], retryAfter = null } = {}) {
    super(`HTTP ${status} ${code} (request ${requestId})`);
    this.name = "ApiError";
    this.status = status; // 0: no answer
    this.code = code;
    this.requestId = requestId;
    this.fields = fields; // for "invalid": where, e.g. ["members", 0, "birth_year"]
    this.retryAfter = retryAfter; // seconds, when the server said
  }
}

// A random (v4) UUID. crypto.randomUUID() exists only in a secure context, which a shelter
// LAN on plain http is not: there, make one from getRandomValues, which exists everywhere.
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The answer itself (for a blob or a header), once it is known to be 2xx.
export async function apiResponse(path, { method = "GET", token = null, body, timeoutMs = 0 } = {}) {
  const requestId = uuid();
  const headers = { "X-Request-ID": requestId };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const controller = timeoutMs ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  let response;
  try {
    response = await fetch(`${API}${path}`, {
      method, headers, cache: "no-store", signal: controller ? controller.signal : undefined,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "offline", requestId);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw await failure(response, requestId);
  return response;
}

// The JSON answer (null for 204 No Content).
export async function apiJson(path, options) {
  const response = await apiResponse(path, options);
  return response.status === 204 ? null : response.json();
}

// The error body is {"code", "detail"} today; {"error": {"code", "message", "details"}} is
// read the same way. Of a validation error only the places are kept, never the messages.
async function failure(response, requestId) {
  const answer = await response.json().catch(() => null);
  const body = answer && typeof answer === "object"
    ? (answer.error && typeof answer.error === "object" ? answer.error : answer) : {};
  const status = response.status;
  const code = typeof body.code === "string" && body.code
    ? body.code : CODE_BY_STATUS[status] || (status >= 500 ? "internal" : "bad_request");
  const problems = [body.detail, body.details].find(Array.isArray) || [];
  const fields = problems
    .map((problem) => (problem && Array.isArray(problem.loc) ? problem.loc.filter((part) => part !== "body") : []))
    .filter((loc) => loc.length);
  const seconds = Number(response.headers.get("Retry-After"));
  return new ApiError(status, code, response.headers.get("X-Request-ID") || requestId, {
    fields, retryAfter: Number.isFinite(seconds) && seconds > 0 ? seconds : null,
  });
}
