/** Servers for tests: the project's own starters (common/servers.ts), under the name tests use. */
export * from "../../common/servers.js";
