/**
 * The commissioning report: what was installed where, by whom, with which
 * firmware and thresholds, and what the gateway heard from it. Printed as
 * text and saved as text + JSON. It never holds the device key.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DeviceKind } from "../firmware/device-config.js";
import { deviceIdHex } from "../protocol/uplink.js";

export interface CommissioningReport {
  v: 1;
  status: "commissioned" | "flashed-not-waited";
  device: string;
  deviceId: number;
  kind: DeviceKind;
  board: { asked: string; reported: string; espruino: string };
  site: string;
  building?: string;
  location: string;
  shed?: string;
  /** The device this hardware replaced. */
  replaces?: string;
  firmware: { version: string; sha256: string; sizeBytes: number; budgetBytes: number };
  thresholds: Record<string, unknown>;
  heartbeatS: number;
  gateway: string;
  firstFrame?: {
    receivedAt: string;
    receiver?: string;
    /** dBm; absent when the receiver reports none (a wired serial link). */
    rssi?: number;
    afterRegistrationMs: number;
  };
  selfTest?: { result: "passed" | "failed" | "not-supported"; detail: string; at: string };
  time: string;
  installer: string;
  durationsMs: Record<string, number>;
}

/** The report as an installer reads it (also what `haitang flash` prints). */
export function reportText(r: CommissioningReport): string {
  const place = [r.site, r.building, r.location, r.shed ? `shed ${r.shed}` : undefined]
    .filter(Boolean)
    .join(" / ");
  const lines = [
    `Haitang commissioning report — ${r.status === "commissioned" ? "COMMISSIONED" : "FLASHED (first frame not awaited)"}`,
    `  device        ${r.device} (${r.kind})${r.replaces ? `, replacing ${r.replaces}` : ""}`,
    `  place         ${place}`,
    `  board         ${r.board.reported} (asked ${r.board.asked}), Espruino ${r.board.espruino}`,
    `  firmware      ${r.firmware.version}, sha256 ${r.firmware.sha256}`,
    `                ${r.firmware.sizeBytes} of ${r.firmware.budgetBytes} bytes`,
    `  heartbeat     every ${r.heartbeatS} s`,
    `  thresholds    ${formatThresholds(r.thresholds)}`,
    `  gateway       ${r.gateway}`,
  ];
  if (r.firstFrame) {
    const rssi = r.firstFrame.rssi !== undefined ? `${r.firstFrame.rssi} dBm` : "not reported";
    lines.push(
      `  first frame   ${r.firstFrame.receivedAt} via ${r.firstFrame.receiver ?? "?"}, signal ${rssi}`,
    );
  } else {
    lines.push("  first frame   not awaited (--no-wait)");
  }
  lines.push(
    r.selfTest
      ? `  self-test     ${r.selfTest.result.toUpperCase()} (${r.selfTest.detail})`
      : "  self-test     not run (--no-wait)",
  );
  lines.push(`  time          ${r.time}`, `  installer     ${r.installer}`);
  const total = Object.values(r.durationsMs).reduce((a, b) => a + b, 0);
  lines.push(
    `  took          ${(total / 1000).toFixed(1)} s (${Object.entries(r.durationsMs)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(", ")})`,
  );
  return lines.join("\n") + "\n";
}

function formatThresholds(t: Record<string, unknown>): string {
  return Object.entries(t)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}

/** Writes `<site>-<device>-<time>.json` and `.txt` into `dir`; returns both paths. */
export function saveReport(dir: string, r: CommissioningReport): { json: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = r.time.replace(/[:.]/g, "-");
  const base = `${r.site.replace(/[^A-Za-z0-9_-]+/g, "_")}-${deviceIdHex(r.deviceId)}-${stamp}`;
  const json = join(dir, `${base}.json`);
  const text = join(dir, `${base}.txt`);
  writeFileSync(json, JSON.stringify(r, null, 2) + "\n", { mode: 0o644 });
  writeFileSync(text, reportText(r), { mode: 0o644 });
  return { json, text };
}
