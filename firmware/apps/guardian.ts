/** Guardian sensor image: door contact and motion, battery or mains. */
import { DEVICE_KIND_GUARDIAN } from "../../protocol/constants.js";
import {
  createGuardianSensor,
  type GuardianSensor,
  type GuardianSettings,
} from "../devices/guardian-sensor.js";
import { boot } from "./boot.js";

const GUARDIAN_BACKOFF_MAX_MS = 300000;

function main(): void {
  // The build-time thresholds object becomes the live settings (config updates change it).
  const settings = HAITANG_DEVICE.guardian as GuardianSettings;
  settings.heartbeatS = HAITANG_DEVICE.heartbeatS;
  settings.listenWindowMs = HAITANG_DEVICE.listenWindowMs;
  let dev: GuardianSensor;
  const b = boot(
    DEVICE_KIND_GUARDIAN,
    settings,
    GUARDIAN_BACKOFF_MAX_MS,
    0,
    function (msg, now) {
      return dev.command(msg, now);
    },
    function () {
      return false;
    },
  );
  const hal = b.hal;
  dev = createGuardianSensor(hal, b.link, b.id, settings);
  // Sleep between duties (not on the ESP8266: Espruino cannot); before the first uplink,
  // so the link's listening window after it stays open.
  if (HAITANG_BOARD.name !== "ESP8266") hal.deepSleep(true);
  dev.start(hal.nowMs());
  const loop = function () {
    hal.after(dev.tick(hal.nowMs()), loop);
  };
  loop();
}

E.on("init", main);
