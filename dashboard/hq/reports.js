// The town's daily report to the prefecture and the supplies estimate (hq only), as CSV for
// Excel in the page's language. Fetched with the token in a header and saved from a blob:
// the token never rides a URL. The day is a Japan day; it defaults to today there.
import { apiResponse } from "../common/api.js";
import { errorText } from "../common/i18n.js";
import { html } from "../common/dom.js";

// Today in Japan (the report's days are Japan days, whatever the browser's zone is).
export function todayInJapan(now = new Date()) {
  return new Date(now.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

async function save(path, filename, { token, words, lang }) {
  const status = document.getElementById("reports-status");
  status.textContent = words.reportsWorking;
  try {
    const response = await apiResponse(`${path}${path.includes("?") ? "&" : "?"}lang=${lang === "en" ? "en" : "ja"}`, { token });
    const url = URL.createObjectURL(await response.blob());
    const link = html("a", { href: url, download: filename, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = words.reportsSaved(filename);
  } catch (error) {
    status.textContent = `${words.reportsFailed} ${errorText(words, error)}`;
  }
}

export function bindReports({ token, words, lang }) {
  const day = document.getElementById("report-day");
  if (!day.value) day.value = todayInJapan();
  day.max = todayInJapan();
  document.getElementById("report-daily").addEventListener("click", () => {
    const date = day.value || todayInJapan();
    save(`/reports/daily.csv?date=${encodeURIComponent(date)}`, `daily-report-${date}.csv`,
      { token: token(), words: words(), lang: lang() });
  });
  document.getElementById("report-supplies").addEventListener("click", () => {
    save("/supplies.csv", `supplies-${todayInJapan()}.csv`, { token: token(), words: words(), lang: lang() });
  });
}
