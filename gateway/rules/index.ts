export { type DeviceDirectory, memoryDirectory } from "./directory.js";
export {
  createRuleEngine,
  type EngineConfig,
  type RuleEngine,
  type RuleFailure,
  type RuleResult,
  type RuleState,
} from "./engine.js";
