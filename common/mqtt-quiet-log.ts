/**
 * mqtt.js logs every packet through the `debug` package (over a hundred
 * `this.log(...)` calls in its client). Those calls cost even when nothing is
 * printed: about 1.5 % of the gateway's main thread at 10,000 frames/s. Unless
 * DEBUG is set (e.g. `DEBUG=mqttjs*` to see them), the gateway's clients get a
 * log that does nothing.
 */
const quiet = (): void => {};

/** mqtt.js client options: `log` that does nothing, unless DEBUG is set. */
export function mqttLogOption(): { log?: (...args: unknown[]) => void } {
  return process.env.DEBUG ? {} : { log: quiet };
}
