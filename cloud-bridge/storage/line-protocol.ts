/**
 * InfluxDB line protocol, written by hand for speed
 * (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/).
 */

const TAG_SPECIAL = /[,= \\\n]/g;
const MEASUREMENT_SPECIAL = /[, \\\n]/g;

export function escapeTag(v: string): string {
  return TAG_SPECIAL.test(v) ? v.replace(TAG_SPECIAL, (c) => (c === "\n" ? "\\n" : `\\${c}`)) : v;
}

export function escapeMeasurement(v: string): string {
  return MEASUREMENT_SPECIAL.test(v)
    ? v.replace(MEASUREMENT_SPECIAL, (c) => (c === "\n" ? "\\n" : `\\${c}`))
    : v;
}

/** Field values: integers carry the `i` suffix; floats are written as they are. */
export type FieldValue = { int: number } | { float: number };

export const int = (n: number): FieldValue => ({ int: n });
export const float = (n: number): FieldValue => ({ float: n });
export const flag = (b: boolean): FieldValue => ({ int: b ? 1 : 0 });

function fieldText(v: FieldValue): string | undefined {
  if ("int" in v) return Number.isFinite(v.int) ? `${Math.trunc(v.int)}i` : undefined;
  return Number.isFinite(v.float) ? String(v.float) : undefined;
}

/**
 * One line. Tags with empty or undefined values are left out (the protocol
 * forbids empty tag values); tags are sorted as InfluxDB recommends.
 */
export function line(
  measurement: string,
  tags: Record<string, string | undefined>,
  fields: Record<string, FieldValue | undefined>,
  timestampNs: string,
): string {
  let out = escapeMeasurement(measurement);
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v) out += `,${k}=${escapeTag(v)}`;
  }
  let first = true;
  for (const [k, v] of Object.entries(fields)) {
    if (!v) continue;
    const text = fieldText(v);
    if (text === undefined) continue;
    out += `${first ? " " : ","}${k}=${text}`;
    first = false;
  }
  return `${out} ${timestampNs}`;
}

/**
 * Nanosecond timestamp from the envelope: milliseconds plus a sub-millisecond
 * offset from the gateway's sequence number, so two messages of one device in
 * the same millisecond stay distinct in InfluxDB and a redelivered message
 * lands on the same point. Written as text: the value exceeds 2^53.
 */
export function timestampNs(tsMs: number, seq?: number): string {
  const msPart = Math.floor(tsMs);
  const sub = seq === undefined ? 0 : seq % 1_000_000;
  return `${msPart}${String(sub).padStart(6, "0")}`;
}
