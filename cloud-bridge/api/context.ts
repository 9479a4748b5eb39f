/** What the fleet API's handlers may use; built by the bridge's wiring. */
import type { Logger } from "../../common/log.js";
import type { CommandClient } from "../commands/command-client.js";
import type { BridgeConfig } from "../config/types.js";
import type { HistoryStore } from "../history/history-store.js";
import type { Cockpit } from "../live/cockpit.js";
import type { LiveState } from "../live/live-state.js";
import type { TimelineEntry } from "../live/views.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import type { LimitState } from "../work-orders/report-limit.js";
import type { WorkOrder } from "../work-orders/work-order.js";
import type { WorkOrderBook } from "../work-orders/work-order-book.js";
import type { AuditLog } from "./audit-log.js";
import type { TokenAuth } from "./auth.js";
import type { SseHub } from "./sse.js";

export interface ApiContext {
  config: BridgeConfig;
  live: LiveState;
  history: HistoryStore;
  commands: CommandClient;
  sse: SseHub;
  metrics: MetricsRegistry;
  auth: TokenAuth;
  log: Logger;
  now(): number;
  health(): { ok: boolean; mqtt: "connected" | "disconnected"; writes: "ok" | "retrying" };
  /** An operator asked for an acknowledgement (alarm timeline). */
  ackRequested(site: string, alarmId: string, by: string, comment: string | undefined): void;
  /** A bridge-side step on an alarm's timeline (restore requested, work order steps), sent live. */
  noteAlarm(site: string, alarmId: string, entry: TimelineEntry): void;
  /** Someone told by a guardian chain answered (its acknowledgement link): the chain stops. */
  guardianAnswer(site: string, alarmId: string, by: string, step: number, now: number): void;
  /** Who did what, when and why (port restores, acknowledgements). */
  audit: AuditLog;
  /** Work orders and residents' reports (随手拍). */
  workOrders: WorkOrderBook;
  reportLimits: LimitState;
  /** Sends a work order's escalation to the webhooks of its new level (first attempt). */
  tellEscalation(o: WorkOrder): Promise<void>;
  /** The district cockpit's per-site rows (cached). */
  cockpit: Cockpit;
}
