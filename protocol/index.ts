export * from "./bytes.js";
export * from "./codec.js";
export * from "./constants.js";
export * from "./counter-window.js";
export * from "./crc16.js";
export * from "./framing.js";
export * from "./hmac.js";
export type * from "./messages.js";
export * from "./sha256.js";
