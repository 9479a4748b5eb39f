/**
 * Listen before talk on a shared line (protocol/line-access.ts): a charger on
 * an RS-485 bus with other chargers and the gateway hears every byte on the
 * pair. Its frames wait in a short queue until the line has been silent for
 * the device gap plus a random number of backoff slots; if anyone starts in
 * that time the wait starts over with a new draw. Then the whole queue goes
 * out back to back (an event and the telemetry after it are one burst, and the
 * gateway's acknowledgement follows the burst instead of hitting its second
 * frame). A frame is never held longer than MAX_WAIT_MS: a line jammed by
 * noise must not silence a charger's cut reports. Acknowledged frames lost to
 * a collision anyway are retried by the link with its back-off.
 * It wraps hal.send and hal.onReceive in place, so the link above is unchanged
 * and only images that call it (chargers) carry it.
 */
import {
  BACKOFF_SLOTS,
  charMs,
  deviceGapMs,
  lineClearAtMs,
  lineHeard,
  newLineSense,
  SLOT_CHARS,
} from "../../protocol/line-access.js";
import type { Hal } from "../hal/hal.js";

/** Frames waiting for the line; a full queue goes out at once (never dropped). */
const MAX_QUEUED = 12;
/** Longest a frame waits for a silent line before it is sent regardless. */
const MAX_WAIT_MS = 2000;

/** Wraps `hal` (before the link starts) so its frames take turns on the line at `baud`. */
export function useBusAccess(hal: Hal, baud: number): void {
  const sense = newLineSense();
  const gap = deviceGapMs(baud);
  const slot = SLOT_CHARS * charMs(baud);
  const byteMs = charMs(baud);
  const queue: Uint8Array[] = [];
  const rawSend = hal.send;
  const rawOnReceive = hal.onReceive;
  let armedAt = -1;
  let firstAt = 0;
  let txEndMs = -1;
  /** Timers cannot be cancelled (hal.ts): only the latest armed one acts. */
  let armed = 0;

  function arm(now: number): void {
    armedAt = now;
    let at = lineClearAtMs(sense, now, gap, baud);
    if (txEndMs >= 0 && txEndMs + gap > at) at = txEndMs + gap;
    const mine = ++armed;
    // Whole milliseconds, at least one: a board's timers do not run faster.
    hal.after(
      Math.ceil(at - now + Math.floor(hal.random() * BACKOFF_SLOTS) * slot) || 1,
      function () {
        if (mine === armed) fire();
      },
    );
  }

  function fire(): void {
    const now = hal.nowMs();
    // Someone talked while we waited, or is talking: wait again with a new draw.
    const waited = now - firstAt >= MAX_WAIT_MS;
    if (!waited && (sense.heardAtMs > armedAt || lineClearAtMs(sense, now, gap, baud) > now)) {
      arm(now);
      return;
    }
    armedAt = -1;
    if (txEndMs < now) txEndMs = now;
    for (let i = 0; i < queue.length; i++) {
      rawSend.call(hal, queue[i]!);
      txEndMs += queue[i]!.length * byteMs;
    }
    // Not `queue.length = 0`: Espruino 2v29 refuses it ("Assignment to a constant").
    queue.splice(0, queue.length);
  }

  hal.send = function (bytes) {
    queue.push(bytes);
    if (armedAt < 0) {
      firstAt = hal.nowMs();
      arm(firstAt);
    }
    // A burst bigger than the queue (a 12-port board cutting every port) is not held back.
    if (queue.length >= MAX_QUEUED) {
      firstAt = -MAX_WAIT_MS;
      fire();
    }
  };
  hal.onReceive = function (fn) {
    rawOnReceive.call(hal, function (bytes) {
      const now = hal.nowMs();
      lineHeard(sense, bytes, now, baud);
      // A frame just ended while ours waits: count the gap and a new draw from now.
      if (armedAt >= 0 && !sense.inFrame) {
        if (now - firstAt >= MAX_WAIT_MS) fire();
        else arm(now);
      }
      fn(bytes);
    });
  };
}
