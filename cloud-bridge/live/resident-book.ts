/**
 * Guardian residents of one site as the cloud knows them: each one's welfare
 * state and since when (from the gateway's dev/{id}/resident messages), never
 * the sensor's raw stream. A later message of an older state (a backlog
 * delivered out of order) does not overwrite a newer one.
 */
import type { ResidentState, ResidentStateName } from "../../protocol/uplink.js";

export interface ResidentView {
  gateway: string;
  deviceId: string;
  state: ResidentStateName;
  since: number;
  lastActivityAt?: number;
  building?: string;
  location?: string;
  updatedAt: number;
}

/** Most urgent first: what an operator must act on comes to the top. */
const URGENCY: Record<ResidentStateName, number> = {
  alarm: 0,
  wandering: 1,
  overdue: 2,
  "sensor-fault": 3,
  away: 4,
  unknown: 5,
  back: 6,
  quiet: 7,
  active: 8,
};

export class ResidentBook {
  private readonly byDevice = new Map<string, ResidentView>();

  /** Returns the view when it changed. */
  apply(r: ResidentState): ResidentView | undefined {
    const cur = this.byDevice.get(r.deviceId);
    if (cur && (cur.since > r.since || cur.updatedAt > r.ts)) return undefined;
    const view: ResidentView = {
      gateway: r.gateway,
      deviceId: r.deviceId,
      state: r.state,
      since: r.since,
      updatedAt: r.ts,
    };
    if (r.lastActivityAt !== undefined) view.lastActivityAt = r.lastActivityAt;
    if (r.building !== undefined) view.building = r.building;
    if (r.location !== undefined) view.location = r.location;
    this.byDevice.set(r.deviceId, view);
    return view;
  }

  /** A state read back after a restart, unless a newer one is held. */
  seed(view: ResidentView): void {
    const cur = this.byDevice.get(view.deviceId);
    if (!cur || cur.updatedAt < view.updatedAt) this.byDevice.set(view.deviceId, view);
  }

  get(deviceId: string): ResidentView | undefined {
    return this.byDevice.get(deviceId);
  }

  list(): ResidentView[] {
    return [...this.byDevice.values()].sort(
      (a, b) =>
        URGENCY[a.state] - URGENCY[b.state] ||
        (a.location ?? a.deviceId).localeCompare(b.location ?? b.deviceId),
    );
  }
}
