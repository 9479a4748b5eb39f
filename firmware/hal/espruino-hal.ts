/**
 * The hardware interface on Espruino's globals (firmware/hal/espruino.d.ts is
 * the full list this file may touch). Frames travel on Serial1; the REPL
 * console is moved off it first, or frames and prompts would mix.
 */
import { sha256 } from "../../protocol/sha256.js";
import type { Hal, PinHandler } from "./hal.js";

function pin(role: string): Pin {
  const p = HAITANG_PINS[role];
  if (p === undefined) throw new Error("no pin " + role);
  return p;
}

function nativeSha256(data: Uint8Array): Uint8Array {
  // biome-ignore lint/style/useNodejsImportProtocol: Espruino's module, not Node's
  return new Uint8Array(require("crypto").SHA256(data));
}

/**
 * Where the console goes: USB where the board has it, Bluetooth on Puck.js,
 * nowhere on ESP boards. The build defines HAITANG_BOARD.name, so this folds
 * to one string in the image.
 */
function consoleDevice(): string | null {
  const b = HAITANG_BOARD.name;
  return b === "PUCKJS" ? "Bluetooth" : b === "ESP8266" || b === "ESP32" ? null : "USB";
}

export function createEspruinoHal(baud: number): Hal {
  E.setConsole(consoleDevice(), { force: true });
  const serialOpts: { rx?: Pin; tx?: Pin } = {};
  if (HAITANG_PINS.rx !== undefined) serialOpts.rx = HAITANG_PINS.rx;
  if (HAITANG_PINS.tx !== undefined) serialOpts.tx = HAITANG_PINS.tx;
  Serial1.setup(baud, serialOpts);
  const storage = require("Storage");
  return {
    nowMs: function () {
      return getTime() * 1000;
    },
    has: function (role) {
      return HAITANG_PINS[role] !== undefined;
    },
    analog: function (role) {
      return analogRead(pin(role));
    },
    read: function (role) {
      return digitalRead(pin(role)) === 1;
    },
    write: function (role, high) {
      digitalWrite(pin(role), high);
    },
    watch: function (role: string, debounceMs: number, pullUp: boolean, fn: PinHandler) {
      const p = pin(role);
      pinMode(p, pullUp ? "input_pullup" : "input");
      const opts: WatchOptions = { repeat: true, edge: "both" };
      if (debounceMs > 0) opts.debounce = debounceMs;
      setWatch(
        function (e) {
          fn(e.state, e.time * 1000);
        },
        p,
        opts,
      );
    },
    every: function (ms, fn) {
      setInterval(fn, ms);
    },
    after: function (ms, fn) {
      setTimeout(fn, ms);
    },
    send: function (bytes) {
      Serial1.write(bytes);
    },
    onReceive: function (fn) {
      // Serial data arrives as a binary string, one char per byte.
      Serial1.on("data", function (s) {
        const b = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
        fn(b);
      });
    },
    load: function (name) {
      return storage.read(name);
    },
    save: function (name, data) {
      storage.write(name, data);
    },
    sha256: HAITANG_BOARD.nativeSha256 ? nativeSha256 : sha256,
    // Espruino's own functions, not wrapped: they ignore `this`.
    random: Math.random,
    deepSleep: setDeepSleep,
  };
}
