/** CSV text (RFC 4180) and a download of it from the browser. */

/**
 * Quotes fields that need it; lines end with CRLF. Starts with a UTF-8 byte
 * order mark so spreadsheet programs read Chinese text correctly.
 * A field starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
 * @param {Array<Array<string | number>>} rows
 */
export function toCsv(rows) {
  const lines = rows.map((r) => r.map(field).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/** @param {string | number} v */
function field(v) {
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * @param {string} filename
 * @param {string} text
 */
export function downloadText(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
