export { reconnectDelayMs } from "./backoff.js";
export { type CommandHandlerDeps, createCommandHandlers } from "./command-handlers.js";
export { CommandVerifier, signCommand } from "./command-verifier.js";
export type { CommandHandlers, CommandResult } from "./commands.js";
export {
  type UplinkConfigResult,
  type UplinkDeps,
  uplinkOptionsFromConfig,
} from "./from-config.js";
export {
  type HealthSource,
  UplinkClient,
  type UplinkOptions,
  type UplinkStats,
} from "./uplink-client.js";
