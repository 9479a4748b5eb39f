/**
 * Where a device or shed is, as one string for people: building, shed and
 * place, each part once ("b1" + "b1/401" is "b1 · 401", never "b1 · b1/401").
 * The rule of common/place.ts (the gateway's alarm locations, notifications,
 * webhooks); cloud-bridge/web/place.test.ts holds the two together.
 */

/**
 * @param {{ building?: string | undefined, shed?: string | undefined, location?: string | undefined } | undefined} p
 * @param {string} [sep]
 * @returns {string | undefined}
 */
export function placeText(p, sep = "/") {
  if (!p) return undefined;
  /** @type {string[]} */
  const parts = [];
  for (const part of [p.building, p.shed, p.location]) {
    if (!part) continue;
    for (const piece of part.split("/")) {
      const x = piece.trim();
      if (x && !parts.includes(x)) parts.push(x);
    }
  }
  return parts.length ? parts.join(sep) : undefined;
}
