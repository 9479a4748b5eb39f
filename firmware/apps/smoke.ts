/** Smoke detector image: battery powered, deep sleep between samples. */
import { CONFIG_GROUP_ID, DEVICE_KIND_SMOKE } from "../../protocol/constants.js";
import { makeHmacSha256 } from "../../protocol/hmac.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import { DEFAULT_LISTEN_EVERY_S } from "../device-config.js";
import { createGroupSounding, type GroupSounding } from "../devices/group-sounding.js";
import {
  createSmokeDetector,
  MODE_NORMAL,
  type SmokeDetector,
  type SmokeSettings,
} from "../devices/smoke-detector.js";
import { boot } from "./boot.js";

/** Alarm retries back off to at most 5 minutes: a battery lasts years, not days. */
const SMOKE_BACKOFF_MAX_MS = 300000;

function main(): void {
  // The build-time thresholds object becomes the live settings (config updates change it).
  const settings = HAITANG_DEVICE.smoke as SmokeSettings;
  settings.heartbeatS = HAITANG_DEVICE.heartbeatS;
  settings.listenWindowMs = HAITANG_DEVICE.listenWindowMs;
  let dev: SmokeDetector;
  let group: GroupSounding | undefined;
  // 0 with wake-on-radio (the build sets it): the module listens for the board.
  const every = HAITANG_DEVICE.listenEveryS;
  const everyMs = (every === undefined ? DEFAULT_LISTEN_EVERY_S : every) * 1000;
  // The building group key issued at commissioning (absent: unicast soundings only).
  const g = HAITANG_DEVICE.group;
  const command = function (msg: DownlinkMsg, now: number) {
    return dev.command(msg, now);
  };
  const b = boot(
    DEVICE_KIND_SMOKE,
    settings,
    SMOKE_BACKOFF_MAX_MS,
    everyMs,
    function (msg, now) {
      const es = msg.type === "config" ? msg.entries : undefined;
      if (group && es !== undefined && es.length > 0 && es[0]!.key === CONFIG_GROUP_ID)
        return group.rekey(es);
      return command(msg, now);
    },
    // No update starts or switches while the detector alarms or is hushed.
    function () {
      return dev.mode() !== MODE_NORMAL;
    },
    g
      ? function (bytes, now) {
          (group as GroupSounding).frame(bytes, now);
        }
      : undefined,
  );
  const hal = b.hal;
  if (g)
    group = createGroupSounding(
      hal,
      b.link,
      makeHmacSha256(hal.sha256),
      b.key,
      g,
      // Wake-on-radio (no listening period): the ack is spread over 2 x 10 s
      // (GROUP_ACK_SPREAD_MS in gateway/downlink/interlink-budget.ts).
      everyMs || 10000,
      command,
    );
  dev = createSmokeDetector(hal, b.link, b.id, settings);
  // Sleep between samples; the link wakes the UART for each listening window,
  // so this comes before the first uplink (the boot status).
  hal.deepSleep(true);
  dev.start(hal.nowMs());
  const loop = function () {
    hal.after(dev.tick(hal.nowMs()), loop);
  };
  loop();
}

E.on("init", main);
