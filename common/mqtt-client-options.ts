/**
 * Options for the gateway's mqtt.js clients (the device-broker ingest and the
 * cloud uplink), chosen for a process that handles thousands of packets a
 * second with little memory.
 *
 * - `log`: mqtt.js logs every packet through the `debug` package (over a
 *   hundred `this.log(...)` calls in its client). Those calls cost even when
 *   nothing is printed: about 1.5 % of the gateway's main thread at 10,000
 *   frames/s. Unless DEBUG is set (e.g. `DEBUG=mqttjs*` to see them), the
 *   clients get a log that does nothing.
 * - `writeCache: false`: otherwise mqtt-packet builds, on the first packet
 *   it writes, a table of 65,536 two-byte Buffers (one per packet id), ~6.5 MB
 *   of the main heap that every full collection marks again (issue 15: RSS at
 *   10,000 devices). Without it a packet id is written from a fresh 2-byte
 *   buffer. The setting is process-wide in mqtt-packet (the first such client
 *   turns it off for every client in the process); it has to come before any
 *   packet is written, or the table is already built.
 */
const quiet = (): void => {};

export interface GatewayMqttOptions {
  log?: (...args: unknown[]) => void;
  writeCache: false;
}

/** mqtt.js client options for the gateway: no packet-id table, `log` that does nothing unless DEBUG is set. */
export function gatewayMqttOptions(): GatewayMqttOptions {
  return process.env.DEBUG ? { writeCache: false } : { log: quiet, writeCache: false };
}
