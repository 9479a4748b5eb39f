/**
 * Carries out the rule engine's actions: alarms go to gw-rules' alarm store,
 * downlinks to the downlink queue, notifications to the log and live events.
 * Each action is contained: one that fails is logged and counted, and the
 * others still run.
 */
import type { Logger } from "../common/log.js";
import { type AlarmTransition, deviceIdHex } from "../protocol/uplink.js";
import type { DownlinkQueue } from "./downlink/downlink-queue.js";
import type { Action } from "./types.js";

export type AlarmAction = Extract<Action, { type: "raise-alarm" | "clear-alarm" }>;

/** What the wiring needs from an alarm store (gw-rules' AlarmStore). */
export interface AlarmPort {
  /** Applies a raise/clear; returns the transitions it caused (already in the outbox). */
  apply(action: AlarmAction, now: number): AlarmTransition[];
  activeCount(): number;
}

export interface ActionStats {
  alarmActions: number;
  downlinks: number;
  notifications: number;
  residentStates: number;
  failures: number;
  /** Alarm actions seen while no alarm store was wired. */
  alarmsWithoutStore: number;
}

export interface ActionDeps {
  downlinks: DownlinkQueue;
  alarms(): AlarmPort | undefined;
  publish(event: string, data: unknown): void;
  /** Each alarm transition: live events and notifications. */
  onTransition(t: AlarmTransition): void;
  notify?(n: Extract<Action, { type: "notify" }>, now: number): void;
  /** A resident's welfare state changed: uplink it (states and times only). */
  residentState?(s: Extract<Action, { type: "resident-state" }>, now: number): void;
  log: Logger;
}

export class ActionRunner {
  readonly stats: ActionStats = {
    alarmActions: 0,
    downlinks: 0,
    notifications: 0,
    residentStates: 0,
    failures: 0,
    alarmsWithoutStore: 0,
  };

  constructor(private readonly deps: ActionDeps) {}

  /**
   * Downlinks first: sounding a building or cutting a port must not wait for
   * the alarm store's commit (an fsync) of the same rule's alarm.
   */
  run(actions: readonly Action[], now: number): void {
    const ordered =
      actions.length > 1
        ? [
            ...actions.filter((a) => a.type === "downlink"),
            ...actions.filter((a) => a.type !== "downlink"),
          ]
        : actions;
    for (const a of ordered) {
      try {
        this.one(a, now);
      } catch (err) {
        this.stats.failures++;
        this.deps.log.error("action failed", {
          action: a.type,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  private one(a: Action, now: number): void {
    switch (a.type) {
      case "raise-alarm":
      case "clear-alarm": {
        this.stats.alarmActions++;
        const store = this.deps.alarms();
        if (!store) {
          this.stats.alarmsWithoutStore++;
          this.deps.publish("alarm-action", { ...a, deviceId: deviceIdHex(a.deviceId) });
          return;
        }
        for (const t of store.apply(a, now)) this.deps.onTransition(t);
        return;
      }
      case "downlink": {
        this.stats.downlinks++;
        const outcome = this.deps.downlinks.send(
          a.deviceId,
          { msg: a.msg, priority: a.priority, reason: a.reason },
          now,
        );
        if (outcome === "unknown-device" || outcome === "no-link")
          this.deps.log.warn("downlink not delivered", {
            device: deviceIdHex(a.deviceId),
            outcome,
            reason: a.reason,
          });
        return;
      }
      case "resident-state": {
        this.stats.residentStates++;
        this.deps.residentState?.(a, now);
        this.deps.publish("resident", { ...a, deviceId: deviceIdHex(a.deviceId) });
        return;
      }
      case "notify": {
        this.stats.notifications++;
        this.deps.log.info("notification", {
          text: a.text,
          severity: a.severity,
          ...(a.deviceId !== undefined ? { device: deviceIdHex(a.deviceId) } : {}),
        });
        this.deps.notify?.(a, now);
        this.deps.publish("notify", a);
        return;
      }
    }
  }
}
