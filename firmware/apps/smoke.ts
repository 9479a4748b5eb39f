/** Smoke detector image: battery powered, deep sleep between samples. */
import { DEVICE_KIND_SMOKE } from "../../protocol/constants.js";
import { DEFAULT_LISTEN_EVERY_S } from "../device-config.js";
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
  const every = HAITANG_DEVICE.listenEveryS;
  const b = boot(
    DEVICE_KIND_SMOKE,
    settings,
    SMOKE_BACKOFF_MAX_MS,
    (every === undefined ? DEFAULT_LISTEN_EVERY_S : every) * 1000,
    function (msg, now) {
      return dev.command(msg, now);
    },
    // No update starts or switches while the detector alarms or is hushed.
    function () {
      return dev.mode() !== MODE_NORMAL;
    },
  );
  const hal = b.hal;
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
