/**
 * Site local time for the welfare model: minutes of the day, local day
 * numbers, and daily windows that may cross midnight. Pure; the UTC offset is
 * passed in (site `utcOffsetMin`).
 */
const DAY_MS = 86_400_000;

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** "HH:MM" -> minutes after local midnight. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** Local day number (days since 1970-01-01 in local time). */
export function localDay(ms: number, utcOffsetMin: number): number {
  return Math.floor((ms + utcOffsetMin * 60_000) / DAY_MS);
}

/** Minutes after local midnight, with fractions. */
export function localMinute(ms: number, utcOffsetMin: number): number {
  return mod(ms + utcOffsetMin * 60_000, DAY_MS) / 60_000;
}

/**
 * When the occurrence of the daily window [fromMin, toMin) that contains `ms`
 * started, or undefined when `ms` is outside the window.
 */
export function windowStartAt(
  fromMin: number,
  toMin: number,
  ms: number,
  utcOffsetMin: number,
): number | undefined {
  const sinceStart = mod(ms + utcOffsetMin * 60_000 - fromMin * 60_000, DAY_MS);
  const length = mod(toMin - fromMin, 1440) * 60_000;
  return sinceStart < length ? ms - sinceStart : undefined;
}

/** "HH:MM" of a minute of the day. */
export function clockOf(minute: number): string {
  const m = mod(Math.round(minute), 1440);
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
