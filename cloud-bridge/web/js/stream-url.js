/** The dashboard's live stream (cloud-bridge/README.md, GET /api/stream), read by js/live.js. */
export const STREAM_URL = "/api/stream";
