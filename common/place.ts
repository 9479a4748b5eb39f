/**
 * Where a device is, as one string for people ("b1/2-201", "b1/shed-a/charger-2"):
 * building, shed and place, each part once even when a place already repeats
 * its building or shed ("b1" + "b1/401" is "b1/401", never "b1/b1/401").
 * Alarm locations, notifications and webhooks use this one builder.
 */
export interface Placement {
  building?: string | undefined;
  shed?: string | undefined;
  location?: string | undefined;
}

export function placeText(p: Placement | undefined, sep = "/"): string | undefined {
  if (!p) return undefined;
  const parts: string[] = [];
  for (const part of [p.building, p.shed, p.location]) {
    if (!part) continue;
    for (const piece of part.split("/")) {
      const x = piece.trim();
      if (x && !parts.includes(x)) parts.push(x);
    }
  }
  return parts.length ? parts.join(sep) : undefined;
}
