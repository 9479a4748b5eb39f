/**
 * InfluxDB line protocol, written by hand for speed
 * (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/).
 * Points are appended to one text per message ("line\nline\n"), so a batch is
 * a concatenation of texts rather than many small strings.
 */

const TAG_SPECIAL = /[,= \\\n]/;
const TAG_SPECIAL_G = /[,= \\\n]/g;

/** Escapes a tag key or value (commas, equals signs, spaces, backslashes, newlines). */
export function escapeTag(v: string): string {
  return TAG_SPECIAL.test(v) ? v.replace(TAG_SPECIAL_G, (c) => (c === "\n" ? "\\n" : `\\${c}`)) : v;
}

/** `,key=value` or nothing when the value is empty (the protocol forbids empty tag values). */
export function tag(key: string, value: string | undefined): string {
  return value ? `,${key}=${escapeTag(value)}` : "";
}

/** An integer field; omitted when not a finite number. */
export function intField(name: string, v: number | undefined): string {
  return v !== undefined && Number.isFinite(v) ? `,${name}=${Math.trunc(v)}i` : "";
}

export function floatField(name: string, v: number | undefined): string {
  return v !== undefined && Number.isFinite(v) ? `,${name}=${v}` : "";
}

export function flagField(name: string, b: boolean): string {
  return b ? `,${name}=1i` : `,${name}=0i`;
}

/**
 * Collects the points of one message. `series` is the measurement and its
 * tags, already escaped and in key order; `fields` are field texts each
 * starting with a comma (the first comma is dropped).
 */
export class PointText {
  text = "";
  count = 0;

  add(series: string, fields: string, timestampNs: string): void {
    if (fields.length === 0) return;
    this.text += `${series} ${fields.slice(1)} ${timestampNs}\n`;
    this.count++;
  }

  lines(): string[] {
    return this.text.length ? this.text.slice(0, -1).split("\n") : [];
  }
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
