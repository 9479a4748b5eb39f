/**
 * Shed charger image (mains): always listening, watchdog on. Ports are sampled
 * every 50 ms so a short circuit is cut well inside 100 ms; boards with an
 * over-current comparator on every port ("short<i>" pins) cut on the pin edge
 * and sample once a second (firmware/devices/shed-charger.ts, sampleMs).
 */
import { DEVICE_KIND_CHARGER } from "../../protocol/constants.js";
import { useBusAccess } from "../devices/bus-access.js";
import type { ListenSettings } from "../devices/link.js";
import {
  type ChargerSettings,
  createShedCharger,
  type ShedCharger,
} from "../devices/shed-charger.js";
import { boot } from "./boot.js";

const CHARGER_BACKOFF_MAX_MS = 60000;
/**
 * On its bus the gateway acknowledges within about 60 ms (the gap, and our burst's end), so
 * an event lost to noise or a collision is sent again after about 0.3 s, not 1 s: a lost
 * session start would otherwise delay the gateway's shed-total cut past its 5 s.
 */
const RETRY_AFTER_MS = 300;
const WATCHDOG_S = 5;
/** Share of the port limit above which a port counts as near it. */
const NEAR_LIMIT = 0.8;

function main(): void {
  // The build-time thresholds object becomes the live settings (config updates change it).
  const settings = HAITANG_DEVICE.charger as ChargerSettings;
  settings.heartbeatS = HAITANG_DEVICE.heartbeatS;
  (settings as ListenSettings).retryAfterMs = RETRY_AFTER_MS;
  let dev: ShedCharger;
  const b = boot(
    DEVICE_KIND_CHARGER,
    settings,
    CHARGER_BACKOFF_MAX_MS,
    0,
    function (msg, now) {
      return dev.command(msg, now);
    },
    // No update starts or switches while a port charges near its limit (a restart
    // would drop every session) or the shed is over temperature.
    function () {
      for (let i = 0; i < dev.powerW.length; i++)
        if (dev.powerW[i]! >= settings.portLimitW * NEAR_LIMIT) return true;
      return dev.overTemp();
    },
    undefined,
    // Several chargers share the shed's bus with the gateway: listen before talking.
    useBusAccess,
  );
  const hal = b.hal;
  E.enableWatchdog(WATCHDOG_S, true);
  dev = createShedCharger(hal, b.link, b.id, settings);
  dev.start(hal.nowMs());
  hal.every(dev.sampleMs, function () {
    dev.sample(hal.nowMs());
  });
}

E.on("init", main);
