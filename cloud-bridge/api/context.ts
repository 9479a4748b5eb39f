/** What the fleet API's handlers may use; built by the bridge's wiring. */
import type { Logger } from "../../common/log.js";
import type { CommandClient } from "../commands/command-client.js";
import type { BridgeConfig } from "../config/types.js";
import type { HistoryStore } from "../history/history-store.js";
import type { LiveState } from "../live/live-state.js";
import type { MetricsRegistry } from "../metrics/registry.js";
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
}
