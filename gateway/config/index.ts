export type { ConfigError } from "./errors.js";
export {
  formatConfigErrors,
  type LoadResult,
  loadSiteConfig,
  siteConfigValidator,
} from "./load.js";
export { hashInstallPassword, verifyInstallPassword } from "./password.js";
export { type ConfigChange, ConfigReloader, RESTART_SECTIONS } from "./reloader.js";
export { siteConfigSchema } from "./schema.js";
export type * from "./site-config.js";
export { standardRules } from "./standard-rules.js";
