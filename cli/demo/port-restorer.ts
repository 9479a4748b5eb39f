/**
 * The demo's operator: switches cut ports back on so the incidents never
 * stop. It reads each shed as the dashboard does (GET /api/sites/:site/sheds/:id);
 * a port off for `restoreAfterMs` is cleared at the shed (the pack taken
 * away, a hot terminal repaired: the fleet's clearPort) and restored through
 * the same signed path a person uses (POST .../restore with a reason), so the
 * audit trail and the alarm's timeline record who and why. A refused or
 * unanswered restore is tried again after another `restoreAfterMs`.
 */

export interface OffPort {
  site: string;
  shed: string;
  deviceId: string;
  devicePort: number;
  state: string;
}

const keyOf = (p: OffPort) => `${p.site}/${p.shed}/${p.deviceId}/${p.devicePort}`;

/**
 * Pure: which of the ports off now are due (off for `afterMs` since first
 * seen), updating `offSince` (a port no longer off is forgotten).
 */
export function dueRestores(
  offSince: Map<string, number>,
  offNow: OffPort[],
  now: number,
  afterMs: number,
): OffPort[] {
  const seen = new Set<string>();
  const due: OffPort[] = [];
  for (const p of offNow) {
    const k = keyOf(p);
    seen.add(k);
    const since = offSince.get(k);
    if (since === undefined) offSince.set(k, now);
    else if (now - since >= afterMs) due.push(p);
  }
  for (const k of offSince.keys()) if (!seen.has(k)) offSince.delete(k);
  return due;
}

/** What the demo operator writes in the audit trail, by the port's state. */
export function restoreReasonFor(state: string): string | undefined {
  const why: Record<string, string> = {
    "cut-overload": "the faulty charger was taken away",
    "cut-shed-total": "the extra fast chargers were taken away; the shed is under its limit",
    "cut-over-temp": "the corroded terminal was replaced and the shed has cooled",
    "cut-short-circuit": "the short-circuited pack was taken away",
    "cut-illegal-load": "the heater was taken away",
    "cut-time-limit": "the pack was collected after the session limit",
    "cut-command": "checked after an operator's cut",
    full: "the fully charged pack was collected",
  };
  const w = why[state];
  return w && `Demo operator: ${w}; port checked, switching it back on.`;
}

export interface PortRestorerOptions {
  bridgeUrl: string;
  /** An operator token of the bridge. */
  token: string;
  sites: string[];
  restoreAfterMs: number;
  pollMs: number;
  /** Takes the load away from a charger port (and repairs its terminal). */
  clearPort(site: string, deviceId: string, port: number): void;
  onRestore?(p: OffPort, reason: string): void;
  now?: () => number;
}

export class PortRestorer {
  private readonly offSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Restores sent and acknowledged by the gateway, and those refused or unanswered. */
  readonly counts = { restored: 0, failed: 0 };

  constructor(private readonly o: PortRestorerOptions) {}

  start(): void {
    const tick = () => {
      this.running = this.pollOnce()
        .catch(() => {
          this.counts.failed++;
        })
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.o.pollMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.o.bridgeUrl}${path}`, {
      headers: { authorization: `Bearer ${this.o.token}` },
    });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  /** Ports that are off now, from the bridge's shed views. */
  private async offPorts(): Promise<OffPort[]> {
    const out: OffPort[] = [];
    for (const site of this.o.sites) {
      const { sheds } = await this.get<{ sheds: { shed: string }[] }>(`/api/sites/${site}/sheds`);
      for (const { shed } of sheds) {
        const view = await this.get<{
          ports: { deviceId: string; devicePort: number; relayOn: boolean; state: string }[];
        }>(`/api/sites/${site}/sheds/${encodeURIComponent(shed)}`);
        for (const p of view.ports)
          if (!p.relayOn && restoreReasonFor(p.state))
            out.push({
              site,
              shed,
              deviceId: p.deviceId,
              devicePort: p.devicePort,
              state: p.state,
            });
      }
    }
    return out;
  }

  async pollOnce(): Promise<void> {
    const now = this.o.now?.() ?? Date.now();
    const due = dueRestores(this.offSince, await this.offPorts(), now, this.o.restoreAfterMs);
    for (const p of due) {
      const reason = restoreReasonFor(p.state)!;
      this.o.clearPort(p.site, p.deviceId, p.devicePort);
      const res = await fetch(
        `${this.o.bridgeUrl}/api/sites/${p.site}/sheds/${encodeURIComponent(p.shed)}/chargers/${p.deviceId}/ports/${p.devicePort}/restore`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${this.o.token}`, "content-type": "application/json" },
          body: JSON.stringify({ reason }),
        },
      );
      await res.arrayBuffer();
      // Sent or not, wait another round before trying this port again.
      this.offSince.set(keyOf(p), now);
      if (res.status === 200) {
        this.counts.restored++;
        this.o.onRestore?.(p, reason);
      } else this.counts.failed++;
    }
  }
}
