/**
 * The gateway's admin API as the installer page calls it (gateway/http documents the server side).
 */
import { toCampaign, toDevice, toHealth, toPending, toReadings, toReport } from "./models.js";
import { arr, obj } from "./narrow.js";
import { request } from "./session.js";

/** @typedef {import("./models.js").Device} Device */
/** @typedef {import("./models.js").PendingDevice} PendingDevice */
/** @typedef {import("./models.js").Report} Report */
/** @typedef {import("./models.js").Health} Health */
/** @typedef {import("./models.js").Campaign} Campaign */

/**
 * A list from `{key: [...]}` or a bare array.
 * @param {unknown} body
 * @param {string} key
 */
function listOf(body, key) {
  return Array.isArray(body) ? body : arr(obj(body)[key]);
}

/** @returns {Promise<Health>} */
export async function getHealth() {
  return toHealth(await request("/api/health"));
}

/** @returns {Promise<Device[]>} */
export async function listDevices() {
  return listOf(await request("/api/devices"), "devices").map(toDevice);
}

/** @returns {Promise<PendingDevice[]>} */
export async function listPending() {
  return listOf(await request("/api/pending"), "pending").map(toPending);
}

/**
 * @param {string} deviceId 8 hex digits
 * @param {{ kind?: string, location?: string }} placement
 */
export async function approve(deviceId, placement) {
  return request(`/api/devices/${encodeURIComponent(deviceId)}/approve`, {
    method: "POST",
    json: placement,
  });
}

/** @returns {Promise<Report[]>} */
export async function listReports() {
  return listOf(await request("/api/reports"), "reports").map(toReport);
}

/** Firmware-update campaigns, newest last. @returns {Promise<Campaign[]>} */
export async function listCampaigns() {
  return listOf(await request("/api/ota/campaigns"), "campaigns").map(toCampaign);
}

/**
 * @param {string} id
 * @param {"pause" | "resume" | "abort"} op
 */
export async function controlCampaign(id, op) {
  return request(`/api/ota/campaigns/${encodeURIComponent(id)}/${op}`, {
    method: "POST",
    json: {},
  });
}

/**
 * A device's readings between `from` and `to` (ms) as the gateway holds them (the last hours, in
 * memory), one series per metric and port, with the alarms raised in that time.
 * @param {string} deviceId 8 hex digits @param {number} from @param {number} to
 * @returns {Promise<import("./models.js").DeviceReadings>}
 */
export async function getReadings(deviceId, from, to) {
  const q = new URLSearchParams({ from: String(from), to: String(to) });
  return toReadings(await request(`/api/devices/${encodeURIComponent(deviceId)}/readings?${q}`));
}
