/**
 * The district cockpit (数字驾驶舱): one row per compound with what needs
 * people now — open alarms by kind and severity, sheds near or over their
 * limit, gateways and devices offline, welfare alarms — and how fast the site
 * answers (time to acknowledge and to clear, p50 and p90 over the week, and
 * the week before as the trend). Rows are cached per site and recomputed only
 * when the site changed (LiveState's version) or the row is older than
 * `ttlMs` (offline devices and the week's window move with time), so a
 * district of 1,000 sites costs a pass over the sites that changed.
 */
import type { Severity } from "../../protocol/uplink.js";
import type { LiveState, SiteSnapshot, SiteSummary } from "./live-state.js";
import type { ResponseSummary } from "./response-times.js";
import { SEVERITY_RANK } from "./views.js";

export interface CockpitOptions {
  /** A shed's limit in watts (the site's config). */
  limitOf(site: string, shed: string): number;
  /** A shed at or above this share of its limit is "near". */
  nearFraction: number;
  offlineAfterMs: number;
  ttlMs: number;
}

export interface CockpitRow {
  site: string;
  fire: number;
  welfare: number;
  alarms: {
    active: number;
    unacknowledged: number;
    bySeverity: Record<Severity, number>;
    byKind: Record<string, number>;
  };
  /** The alarm to open first: most severe, then oldest. */
  top?: {
    alarmId: string;
    kind: string;
    severity: Severity;
    raisedAt: number;
    acknowledged: boolean;
    location?: string;
    building?: string;
  };
  sheds: {
    total: number;
    near: number;
    over: number;
    /** The shed closest to (or furthest over) its limit. */
    worst?: { shed: string; totalPowerW: number; limitW: number };
  };
  gateways: { total: number; offline: number };
  devices: { total: number; offline: number; detectors: number };
  response: ResponseSummary;
  computedAt: number;
}

const EMPTY_SEVERITY = (): Record<Severity, number> => ({
  critical: 0,
  major: 0,
  minor: 0,
  maintenance: 0,
});

export function rowOf(
  site: string,
  s: SiteSnapshot | undefined,
  now: number,
  opts: CockpitOptions,
  response: ResponseSummary = (s?.responses ?? EMPTY_RESPONSES).summary(now),
): CockpitRow {
  const bySeverity = EMPTY_SEVERITY();
  const byKind: Record<string, number> = {};
  let active = 0;
  let unacknowledged = 0;
  let fire = 0;
  let welfare = 0;
  let top: CockpitRow["top"];
  const lost = new Set<string>();
  for (const a of s?.alarms.values() ?? []) {
    if (!a.active) continue;
    active++;
    bySeverity[a.severity]++;
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    if (!a.acknowledged) unacknowledged++;
    if (a.kind === "fire") fire++;
    if (a.kind === "welfare" || a.kind === "wandering") welfare++;
    if (a.kind === "device-lost") lost.add(a.deviceId);
    const rank = SEVERITY_RANK[a.severity];
    if (
      !top ||
      rank > SEVERITY_RANK[top.severity] ||
      (rank === SEVERITY_RANK[top.severity] && a.raisedAt < top.raisedAt)
    ) {
      top = {
        alarmId: a.alarmId,
        kind: a.kind,
        severity: a.severity,
        raisedAt: a.raisedAt,
        acknowledged: a.acknowledged,
        ...(a.location !== undefined ? { location: a.location } : {}),
        ...(a.building !== undefined ? { building: a.building } : {}),
      };
    }
  }
  let near = 0;
  let over = 0;
  let worst: CockpitRow["sheds"]["worst"];
  let worstRatio = -1;
  s?.sheds.forEachTotal((shed, totalPowerW) => {
    const limitW = opts.limitOf(site, shed);
    const ratio = totalPowerW / limitW;
    if (ratio >= 1) over++;
    else if (ratio >= opts.nearFraction) near++;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = { shed, totalPowerW, limitW };
    }
  });
  let gwOffline = 0;
  for (const g of s?.gateways.values() ?? []) if (!g.online) gwOffline++;
  let devOffline = 0;
  let detectors = 0;
  for (const d of s?.devices.values() ?? []) {
    if (d.kind === "smoke") detectors++;
    if (lost.has(d.deviceId) || now - d.lastSeen > opts.offlineAfterMs) devOffline++;
  }
  const row: CockpitRow = {
    site,
    fire,
    welfare,
    alarms: { active, unacknowledged, bySeverity, byKind },
    sheds: { total: s?.sheds.size ?? 0, near, over, ...(worst ? { worst } : {}) },
    gateways: { total: s?.gateways.size ?? 0, offline: gwOffline },
    devices: { total: s?.devices.size ?? 0, offline: devOffline, detectors },
    response,
    computedAt: now,
  };
  if (top) row.top = top;
  return row;
}

const EMPTY_RESPONSES = {
  summary: (): ResponseSummary => ({
    ack: { n: 0 },
    clear: { n: 0 },
    ackPrev: { n: 0 },
    clearPrev: { n: 0 },
    ackDailyP50Ms: [null, null, null, null, null, null, null],
    ackWeeklyP50Ms: [],
    clearWeeklyP50Ms: [],
  }),
};

/** Fire sites first, then welfare, then by critical, major and unacknowledged counts. */
export function byUrgency(a: CockpitRow, b: CockpitRow): number {
  return (
    Number(b.fire > 0) - Number(a.fire > 0) ||
    Number(b.welfare > 0) - Number(a.welfare > 0) ||
    b.alarms.bySeverity.critical - a.alarms.bySeverity.critical ||
    b.alarms.bySeverity.major - a.alarms.bySeverity.major ||
    b.sheds.over - a.sheds.over ||
    b.alarms.unacknowledged - a.alarms.unacknowledged ||
    a.site.localeCompare(b.site)
  );
}

/** Response times move with the week's window too: recomputed at least this often. */
const RESPONSE_TTL_MS = 60_000;

export class Cockpit {
  private readonly cache = new Map<
    string,
    { version: number; alarmVersion: number; responseAt: number; row: CockpitRow }
  >();
  /** Rows recomputed and served from the cache since start (the bench prints them). */
  readonly stats = { computed: 0, cached: 0 };
  /** When a person last asked for rows (answerRows). */
  private askedAt: number | undefined;

  constructor(
    private readonly live: LiveState,
    private readonly opts: CockpitOptions,
  ) {}

  row(site: string, now: number): CockpitRow {
    const snap = this.live.snapshot(site);
    const version = snap?.version ?? -1;
    const hit = this.cache.get(site);
    if (hit && hit.version === version && now - hit.row.computedAt < this.opts.ttlMs) {
      this.stats.cached++;
      return hit.row;
    }
    // Telemetry changes a site all the time; its response times change only with its alarms.
    const alarmVersion = snap?.alarmVersion ?? -1;
    const sameAlarms =
      hit && hit.alarmVersion === alarmVersion && now - hit.responseAt < RESPONSE_TTL_MS;
    const row = sameAlarms
      ? rowOf(site, snap, now, this.opts, hit.row.response)
      : rowOf(site, snap, now, this.opts);
    const responseAt = sameAlarms ? hit.responseAt : now;
    this.cache.set(site, { version, alarmVersion, responseAt, row });
    this.stats.computed++;
    return row;
  }

  rows(sites: string[], now: number): CockpitRow[] {
    return sites.map((s) => this.row(s, now)).sort(byUrgency);
  }

  /**
   * The rows for an answer to a person, at once: a site whose alarms are unchanged keeps its
   * cached row while it is younger than `staleMs`, even if telemetry moved its loads or its
   * devices' last-seen times meanwhile (refresh() catches those up in the background); a site
   * whose alarms changed, or without a recent row, is computed now. So a fire is never late,
   * and a district's answer costs a sort instead of 1,000 rows.
   */
  answerRows(sites: string[], now: number, staleMs: number): CockpitRow[] {
    this.watch(now);
    return sites
      .map((site) => {
        const hit = this.cache.get(site);
        const snap = this.live.snapshot(site);
        if (
          hit &&
          hit.alarmVersion === (snap?.alarmVersion ?? -1) &&
          now - hit.row.computedAt < staleMs
        ) {
          this.stats.cached++;
          return hit.row;
        }
        return this.row(site, now);
      })
      .sort(byUrgency);
  }

  /** A person looks at rows (the cockpit or the sites overview): the bridge keeps them warm. */
  watch(now: number): void {
    this.askedAt = now;
  }

  /** Someone asked for the cockpit within `withinMs` (the bridge keeps rows warm only then). */
  watched(now: number, withinMs: number): boolean {
    return this.askedAt !== undefined && now - this.askedAt <= withinMs;
  }

  /**
   * Recomputes up to `max` rows that answerRows would not serve as they are: rows older than
   * `olderThanMs` (set below answerRows' staleness bound, so answers stay cheap) and rows whose
   * alarms changed. Returns how many it recomputed. The bridge calls it in slices, so requests
   * are served between them; a district's telemetry, which changes every site every minute,
   * costs one pass over the sites per `olderThanMs`, not one per request.
   */
  refresh(sites: string[], now: number, max: number, olderThanMs: number): number {
    let n = 0;
    for (const site of sites) {
      if (n >= max) break;
      const hit = this.cache.get(site);
      const alarmVersion = this.live.snapshot(site)?.alarmVersion ?? -1;
      if (hit && hit.alarmVersion === alarmVersion && now - hit.row.computedAt < olderThanMs)
        continue;
      this.row(site, now);
      n++;
    }
    return n;
  }
}

/**
 * A site's line in the sites overview (GET /api/sites), read off its cockpit row so the
 * overview of a district costs the rows that changed instead of every device and alarm view.
 * `unheard`: devices installed at the gateway and not yet heard (counted in the total, never
 * offline).
 */
export function siteSummaryOf(row: CockpitRow, unheard: number): SiteSummary {
  return {
    site: row.site,
    gateways: {
      total: row.gateways.total,
      online: row.gateways.total - row.gateways.offline,
      offline: row.gateways.offline,
    },
    devices: { total: row.devices.total + unheard, offline: row.devices.offline, unheard },
    alarms: {
      active: { ...row.alarms.bySeverity },
      unacknowledged: row.alarms.unacknowledged,
      fire: row.fire,
      welfare: row.welfare,
    },
  };
}
