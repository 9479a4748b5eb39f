/**
 * The bridge's memory of the fleet: gateways (retained status / last-will and
 * health), devices (last seen, battery, signal), sheds (last port loads) and
 * alarms (active and recent, with a timeline). Fed from the live subscription
 * and seeded from the time-series database at start; never the source of
 * truth. Time is passed in.
 */
import { portNumbers } from "../../common/port-label.js";
import type { ChargerTelemetryMsg } from "../../protocol/messages.js";
import type {
  AlarmTransition,
  GatewayHealth,
  GatewayStatus,
  ResidentState,
  Severity,
  UnheardDevice,
  UplinkEnvelope,
} from "../../protocol/uplink.js";
import { ResidentBook, type ResidentView } from "./resident-book.js";
import { type ResponseSample, ResponseTimes } from "./response-times.js";
import { ShedBook } from "./shed-book.js";
import {
  type AlarmView,
  type DeviceView,
  type GatewayView,
  SEVERITY_RANK,
  type ShedView,
  type TimelineEntry,
} from "./views.js";

export interface LiveStateOptions {
  recentMs: number;
  maxTimeline: number;
  offlineAfterMs: number;
  /** Weeks of response-time samples kept per site (default 8). */
  responseWeeks?: number;
  /** A new response-time sample (the bridge stores it so trends survive a restart). */
  onResponseSample?(site: string, sample: ResponseSample): void;
}

interface SiteState {
  gateways: Map<string, GatewayView>;
  devices: Map<string, DeviceView>;
  sheds: ShedBook;
  alarms: Map<string, AlarmView>;
  residents: ResidentBook;
  /** Per gateway, the registered devices it has never heard (its latest health's `unheard`). */
  unheard: Map<string, { ts: number; devices: UnheardDevice[] }>;
  /** Bumped by every change to the site (the cockpit recomputes a site's row only then). */
  version: number;
  /** Times to acknowledge and to clear its alarms (the cockpit's response times). */
  responses: ResponseTimes;
  /** Bumped by alarm changes only (response times are recomputed only then). */
  alarmVersion: number;
}

/** One site's state as the cockpit reads it: read-only, no copies. */
export type SiteSnapshot = Readonly<SiteState>;

export interface SiteSummary {
  site: string;
  gateways: { total: number; online: number; offline: number };
  /** total counts devices installed but not yet heard too (`unheard`); they are not offline. */
  devices: { total: number; offline: number; unheard: number };
  /** fire: active fire alarms; welfare: active welfare and wandering alarms (sites overview sorts by them). */
  alarms: {
    active: Record<Severity, number>;
    unacknowledged: number;
    fire: number;
    welfare: number;
  };
}

export class LiveState {
  private readonly sites = new Map<string, SiteState>();

  constructor(private readonly opts: LiveStateOptions) {}

  private site(id: string): SiteState {
    let s = this.sites.get(id);
    if (!s) {
      s = {
        gateways: new Map(),
        devices: new Map(),
        sheds: new ShedBook(),
        alarms: new Map(),
        residents: new ResidentBook(),
        unheard: new Map(),
        version: 0,
        responses: new ResponseTimes(this.opts.responseWeeks),
        alarmVersion: 0,
      };
      this.sites.set(id, s);
    }
    s.version++;
    return s;
  }

  /** A site's state for aggregation (the cockpit), without copying; undefined before any message. */
  snapshot(site: string): SiteSnapshot | undefined {
    return this.sites.get(site);
  }

  /** Records how long an alarm took to be acknowledged and to clear, once each. */
  private measure(site: SiteState, cur: AlarmView | undefined, next: AlarmView) {
    site.alarmVersion++;
    const added = [
      next.acknowledgedAt !== undefined && cur?.acknowledgedAt === undefined
        ? site.responses.add("ack", next.alarmId, next.raisedAt, next.acknowledgedAt)
        : undefined,
      next.clearedAt !== undefined && cur?.clearedAt === undefined
        ? site.responses.add("clear", next.alarmId, next.raisedAt, next.clearedAt)
        : undefined,
    ];
    for (const s of added) if (s) this.opts.onResponseSample?.(next.site, s);
  }

  /** Response-time samples read back from storage at start (not stored again). */
  seedResponses(site: string, samples: ResponseSample[]): void {
    const s = this.site(site);
    for (const x of samples) s.responses.seed(x);
    s.alarmVersion++;
  }

  /** Returns the view when it changed (a newer status than the one held). */
  applyStatus(st: GatewayStatus): GatewayView | undefined {
    const gws = this.site(st.site).gateways;
    const cur = gws.get(st.gateway);
    if (cur && cur.statusTs > st.ts) return undefined;
    const view: GatewayView = {
      site: st.site,
      gateway: st.gateway,
      online: st.online,
      statusTs: st.ts,
      lastSeen: Math.max(st.ts, cur?.lastSeen ?? 0),
      health: cur?.health ?? null,
    };
    const version = st.version ?? cur?.version;
    if (version !== undefined) view.version = version;
    gws.set(st.gateway, view);
    return view;
  }

  applyHealth(h: GatewayHealth): void {
    const site = this.site(h.site);
    const held = site.unheard.get(h.gateway);
    if (h.unheard && (!held || held.ts <= h.ts))
      site.unheard.set(h.gateway, { ts: h.ts, devices: h.unheard });
    const gws = site.gateways;
    const cur = gws.get(h.gateway);
    if (cur) {
      if (!cur.health || cur.health.ts <= h.ts) cur.health = h;
      if (h.ts > cur.lastSeen) cur.lastSeen = h.ts;
    } else {
      // Health without a status yet: the gateway is talking, so it is online.
      gws.set(h.gateway, {
        site: h.site,
        gateway: h.gateway,
        online: true,
        statusTs: 0,
        lastSeen: h.ts,
        health: h,
      });
    }
  }

  /** Last seen of a gateway: the latest message of any kind (status, health, device, alarm). */
  private heard(site: string, gateway: string, ts: number): void {
    const gw = this.sites.get(site)?.gateways.get(gateway);
    if (gw && ts > gw.lastSeen) gw.lastSeen = ts;
  }

  applyEnvelope(env: UplinkEnvelope): ShedView | undefined {
    const s = this.site(env.site);
    if (!env.historical) this.heard(env.site, env.gateway, env.ts);
    const dev = s.devices.get(env.deviceId);
    const newer = !dev || env.ts >= dev.lastSeen;
    if (newer) {
      const view: DeviceView = dev ?? {
        deviceId: env.deviceId,
        gateway: env.gateway,
        kind: env.deviceKind,
        lastSeen: env.ts,
      };
      view.gateway = env.gateway;
      view.kind = env.deviceKind;
      view.lastSeen = env.ts;
      view.receivers = env.receivers.length;
      let rssi: number | undefined;
      for (const r of env.receivers)
        if (r.rssi !== undefined && (rssi === undefined || r.rssi > rssi)) rssi = r.rssi;
      if (rssi !== undefined) view.rssiDbm = rssi;
      const b = env.body;
      // 0 mV: no battery (mains-powered chargers, guardians without a battery reading).
      if ("batteryMv" in b && b.batteryMv > 0) view.batteryMv = b.batteryMv;
      if (b.type === "status") view.firmware = `${b.fwMajor}.${b.fwMinor}.${b.fwPatch}`;
      if (env.building !== undefined) view.building = env.building;
      if (env.shed !== undefined) view.shed = env.shed;
      if (env.location !== undefined) view.location = env.location;
      s.devices.set(env.deviceId, view);
    }
    if (env.body.type !== "charger-telemetry") return undefined;
    return s.sheds.apply(env as UplinkEnvelope<ChargerTelemetryMsg>);
  }

  /**
   * Applies one transition; returns the updated alarm, or undefined when the
   * transition is not newer than what is held (a redelivery or a late copy).
   */
  /** A guardian resident's state; returns the view when it changed. */
  applyResident(r: ResidentState): ResidentView | undefined {
    return this.site(r.site).residents.apply(r);
  }

  /** Seeds a resident's state kept across a restart (guardian.stateFile). */
  seedResident(site: string, view: ResidentView): void {
    this.site(site).residents.seed(view);
  }

  /** Every site's residents, for guardian.stateFile. */
  allResidents(): Array<ResidentView & { site: string }> {
    const out: Array<ResidentView & { site: string }> = [];
    for (const [site, s] of this.sites)
      for (const r of s.residents.list()) out.push({ ...r, site });
    return out;
  }

  /** One resident's state, when the cloud has heard of them. */
  resident(site: string, deviceId: string): ResidentView | undefined {
    return this.sites.get(site)?.residents.get(deviceId);
  }

  /** The site's residents, most urgent first, each with its open welfare-kind alarms. */
  residents(site: string): Array<ResidentView & { alarms: AlarmView[] }> {
    const s = this.sites.get(site);
    if (!s) return [];
    const open = [...s.alarms.values()].filter(
      (a) => (a.active || !a.acknowledged) && (a.kind === "welfare" || a.kind === "wandering"),
    );
    return s.residents.list().map((r) => ({
      ...r,
      alarms: open.filter((a) => a.deviceId === r.deviceId),
    }));
  }

  applyAlarm(a: AlarmTransition): AlarmView | undefined {
    const alarms = this.site(a.site).alarms;
    if (!a.historical) this.heard(a.site, a.gateway, a.ts);
    const cur = alarms.get(a.alarmId);
    if (cur && cur.gateway === a.gateway && cur.seq >= a.seq) return undefined;
    const entry: TimelineEntry = { at: a.ts, what: a.transition };
    if (a.transition === "escalated") entry.level = a.level;
    if (a.transition === "acknowledged") {
      if (a.acknowledgedBy !== undefined) entry.by = a.acknowledgedBy;
      if (a.comment !== undefined) entry.comment = a.comment;
    }
    const view: AlarmView = {
      site: a.site,
      gateway: a.gateway,
      alarmId: a.alarmId,
      kind: a.kind,
      severity: a.severity,
      deviceId: a.deviceId,
      rule: a.rule,
      active: a.active,
      acknowledged: a.acknowledged,
      raisedAt: a.raisedAt,
      level: a.level,
      lastTransition: a.transition,
      updatedAt: a.ts,
      historical: a.historical,
      seq: a.seq,
      timeline: cur ? cur.timeline : [],
    };
    for (const k of [
      "port",
      "clearedAt",
      "acknowledgedAt",
      "acknowledgedBy",
      "comment",
      "evidence",
      "location",
    ] as const) {
      const v = a[k] ?? cur?.[k];
      if (v !== undefined) (view as unknown as Record<string, unknown>)[k] = v;
    }
    const building = this.site(a.site).devices.get(a.deviceId)?.building ?? cur?.building;
    if (building !== undefined) view.building = building;
    this.pushTimeline(view, entry);
    alarms.set(a.alarmId, view);
    this.measure(this.site(a.site), cur, view);
    return view;
  }

  /** Adds a bridge-side event (notified, ack-requested) to an alarm's timeline. */
  noteAlarm(site: string, alarmId: string, entry: TimelineEntry): AlarmView | undefined {
    const view = this.sites.get(site)?.alarms.get(alarmId);
    if (view) this.pushTimeline(view, entry);
    return view;
  }

  /** Seeds an alarm rebuilt from the time-series database, unless a newer one is held. */
  seedAlarm(view: AlarmView): void {
    const site = this.site(view.site);
    const cur = site.alarms.get(view.alarmId);
    if (!cur || cur.updatedAt < view.updatedAt) {
      site.alarms.set(view.alarmId, view);
      this.measure(site, cur, view);
    }
  }

  seedDevice(site: string, view: DeviceView): void {
    const devices = this.site(site).devices;
    const cur = devices.get(view.deviceId);
    if (!cur || cur.lastSeen < view.lastSeen) devices.set(view.deviceId, { ...cur, ...view });
  }

  private pushTimeline(view: AlarmView, entry: TimelineEntry) {
    view.timeline.push(entry);
    view.timeline.sort((x, y) => x.at - y.at);
    if (view.timeline.length > this.opts.maxTimeline)
      view.timeline.splice(1, view.timeline.length - this.opts.maxTimeline);
  }

  /** Forgets alarms cleared longer than recentMs ago. */
  prune(now: number): void {
    for (const s of this.sites.values()) {
      for (const [id, a] of s.alarms) {
        if (!a.active && now - a.updatedAt > this.opts.recentMs) s.alarms.delete(id);
      }
    }
  }

  gateways(site: string): GatewayView[] {
    return [...(this.sites.get(site)?.gateways.values() ?? [])].sort((a, b) =>
      a.gateway.localeCompare(b.gateway),
    );
  }

  gateway(site: string, gateway: string): GatewayView | undefined {
    return this.sites.get(site)?.gateways.get(gateway);
  }

  devices(site: string, now: number): DeviceView[] {
    const s = this.sites.get(site);
    if (!s) return [];
    const lost = new Set<string>();
    for (const a of s.alarms.values())
      if (a.active && a.kind === "device-lost") lost.add(a.deviceId);
    return [...s.devices.values()]
      .map((d) => ({
        ...d,
        online: !lost.has(d.deviceId) && now - d.lastSeen <= this.opts.offlineAfterMs,
      }))
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  /**
   * Devices installed but not yet heard: registered at a gateway (its health's
   * `unheard`) and with no message of theirs here yet, with the gateway that has them.
   */
  /** How many devices unheardDevices(site) lists, without listing them. */
  unheardCount(site: string): number {
    const s = this.sites.get(site);
    if (!s) return 0;
    let n = 0;
    for (const held of s.unheard.values())
      for (const d of held.devices) if (!s.devices.has(d.deviceId)) n++;
    return n;
  }

  unheardDevices(site: string): Array<UnheardDevice & { gateway: string }> {
    const s = this.sites.get(site);
    if (!s) return [];
    const out: Array<UnheardDevice & { gateway: string }> = [];
    for (const [gateway, held] of s.unheard)
      for (const d of held.devices) if (!s.devices.has(d.deviceId)) out.push({ ...d, gateway });
    return out.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  sheds(site: string): ShedView[] {
    return this.sites.get(site)?.sheds.list() ?? [];
  }

  shed(site: string, shed: string): ShedView | undefined {
    return this.sites.get(site)?.sheds.get(shed);
  }

  alarms(site: string, filter: { active?: boolean; minSeverity?: Severity } = {}): AlarmView[] {
    const s = this.sites.get(site);
    if (!s) return [];
    const min = filter.minSeverity ? SEVERITY_RANK[filter.minSeverity] : -1;
    return [...s.alarms.values()]
      .filter(
        (a) =>
          (filter.active === undefined || a.active === filter.active) &&
          SEVERITY_RANK[a.severity] >= min,
      )
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .map((a) => withChargerNo(a, s.sheds));
  }

  alarm(site: string, alarmId: string): AlarmView | undefined {
    const s = this.sites.get(site);
    const a = s?.alarms.get(alarmId);
    return a && s ? withChargerNo(a, s.sheds) : a;
  }

  /** Every active alarm of every site (escalation). */
  activeAlarms(): AlarmView[] {
    const out: AlarmView[] = [];
    for (const s of this.sites.values())
      for (const a of s.alarms.values()) if (a.active) out.push(a);
    return out;
  }

  summary(site: string, now: number): SiteSummary {
    const gws = this.gateways(site);
    const devices = this.devices(site, now);
    const unheard = this.unheardDevices(site).length;
    const active: Record<Severity, number> = { critical: 0, major: 0, minor: 0, maintenance: 0 };
    let unacknowledged = 0;
    let fire = 0;
    let welfare = 0;
    for (const a of this.alarms(site, { active: true })) {
      active[a.severity]++;
      if (!a.acknowledged) unacknowledged++;
      if (a.kind === "fire") fire++;
      if (a.kind === "welfare" || a.kind === "wandering") welfare++;
    }
    const online = gws.filter((g) => g.online).length;
    return {
      site,
      gateways: { total: gws.length, online, offline: gws.length - online },
      devices: {
        total: devices.length + unheard,
        offline: devices.filter((d) => !d.online).length,
        unheard,
      },
      alarms: { active, unacknowledged, fire, welfare },
    };
  }
}

/**
 * A port alarm of a charger in a shed of several chargers, with the charger's
 * position (common/port-label.ts's rule), so its Where line reads
 * "Charger 2 · port 1" as on the shed page.
 */
function withChargerNo(a: AlarmView, sheds: ShedBook): AlarmView {
  if (a.port === undefined) return a;
  const n = portNumbers(a.port, a.deviceId, sheds.chargersWith(a.deviceId));
  return n.charger === undefined ? a : { ...a, chargerNo: n.charger };
}
