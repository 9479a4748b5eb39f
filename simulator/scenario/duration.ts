/** Durations in scenario files: "250ms", "90s", "5m", "1h30m", "2d", or a number of seconds. */

export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(value: string | number): number {
  if (typeof value === "number") return Math.round(value * 1000);
  let total = 0;
  for (const m of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  }
  return Math.round(total);
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number(s.toFixed(1))}s`;
  const m = s / 60;
  if (m < 120) return `${Number(m.toFixed(1))}m`;
  return `${Number((m / 60).toFixed(2))}h`;
}
