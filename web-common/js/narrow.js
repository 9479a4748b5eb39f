/** Narrowing of unknown JSON into typed values: the one decode boundary of each page (dashboard, installer page). */

/**
 * @param {unknown} v
 * @returns {Record<string, unknown>}
 */
export function obj(v) {
  return v && typeof v === "object" && !Array.isArray(v)
    ? /** @type {Record<string, unknown>} */ (v)
    : {};
}

/**
 * @param {unknown} v
 * @param {number} [fallback]
 */
export function num(v, fallback = 0) {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** @param {unknown} v */
export function optNum(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * @param {unknown} v
 * @param {string} [fallback]
 */
export function str(v, fallback = "") {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : fallback;
}

/** @param {unknown} v */
export function optStr(v) {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * @param {unknown} v
 * @returns {unknown[]}
 */
export function arr(v) {
  return Array.isArray(v) ? v : [];
}

/**
 * `{a: 1, b: 2}` or `[{key|reason, count}]` as a list of counts.
 * @param {unknown} v
 * @returns {Array<{ key: string, count: number }>}
 */
export function counts(v) {
  if (Array.isArray(v)) {
    return v.map((c) => ({ key: str(obj(c).key ?? obj(c).reason), count: num(obj(c).count) }));
  }
  return Object.entries(obj(v)).map(([key, count]) => ({ key, count: num(count) }));
}
