/** The installer page's live stream (gateway/README.md, GET /api/events), read by js/live.js. */
export const STREAM_URL = "/api/events";
