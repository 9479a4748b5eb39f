/**
 * The numbers behind an interlinked sounding to sleeping detectors, computed
 * (gateway/downlink/README.md quotes them): how often the gateway resends, how
 * fast a detector hears it, and how much of a 9,600-baud line the resends
 * take. Pure functions of the listening schedule, the line and the radio loss.
 *
 * A detector listens for `listenWindowMs` every `listenEveryS` (firmware
 * link.ts). The gateway resends a SOUND command every `resendIntervalMs`, a
 * whole frame inside any window: R <= W - frame time - tick - latency margin.
 * Each window then holds floor((W - frame) / R) + 1 >= 1 whole copies; each
 * copy is lost with probability `loss`, independently (the simulator's radio).
 */

/** Framed SOUND command: 1 + header 10 + payload 7 + MAC 8 + CRC 2 + flag 1, plus escapes. */
export const SOUND_FRAME_BYTES = 30;
/** Framed group ack (uplink): 1 + header 10 + payload 5 + MAC 8 + CRC 2 + flag 1, plus escapes. */
export const GROUP_ACK_FRAME_BYTES = 28;
/** UART bits per byte (start, 8 data, stop). */
const BITS_PER_BYTE = 10;
/** The gateway's downlink tick (gateway/service.ts) and a margin for radio latency and jitter. */
export const DOWNLINK_TICK_MS = 20;
export const LATENCY_MARGIN_MS = 100;

export interface ListenSchedule {
  listenWindowMs: number;
  listenEveryS: number;
}

export function frameTimeMs(bytes: number, baud: number): number {
  return (bytes * BITS_PER_BYTE * 1000) / baud;
}

/**
 * The resend interval that puts a whole copy inside every listening window
 * (never more often than one frame time: the line would be full).
 */
export function resendIntervalMs(listenWindowMs: number, baud: number): number {
  const frame = frameTimeMs(SOUND_FRAME_BYTES, baud);
  return Math.max(
    Math.ceil(frame),
    Math.floor(listenWindowMs - 2 * frame - DOWNLINK_TICK_MS - LATENCY_MARGIN_MS),
  );
}

/**
 * Copies of the building group frame each listening window should catch. The
 * group frame costs one frame per round whatever the building's size, so it
 * can be repeated more often than the per-detector resends.
 */
export const GROUP_COPIES_PER_WINDOW = 3;

/**
 * The group sounding's resend interval: GROUP_COPIES_PER_WINDOW whole copies
 * inside every window (one copy per window when the window is too short).
 */
export function groupResendIntervalMs(listenWindowMs: number, baud: number): number {
  const frame = frameTimeMs(SOUND_FRAME_BYTES, baud);
  const usable = listenWindowMs - 2 * frame - DOWNLINK_TICK_MS - LATENCY_MARGIN_MS;
  return Math.max(Math.ceil(2 * frame), Math.floor(usable / GROUP_COPIES_PER_WINDOW));
}

/** Whole copies a window of W catches when one is sent every R (at least one). */
export function copiesPerWindow(s: ListenSchedule, resendMs: number, baud: number): number {
  const frame = frameTimeMs(SOUND_FRAME_BYTES, baud);
  return Math.max(1, Math.floor((s.listenWindowMs - frame) / resendMs) + 1);
}

/**
 * Probability that one detector has not heard the sounding `afterMs` after the
 * gateway started sending, in the worst phase (its window has just closed):
 * it gets floor((afterMs - (P - W)) / P) + 1 windows, each missing every copy
 * with probability loss^copies.
 */
export function missProbability(
  s: ListenSchedule,
  loss: number,
  afterMs: number,
  baud: number,
): number {
  const periodMs = s.listenEveryS * 1000;
  const first = periodMs - s.listenWindowMs;
  if (afterMs < first + s.listenWindowMs) return 1;
  const windows = Math.floor((afterMs - first - s.listenWindowMs) / periodMs) + 1;
  const copies = copiesPerWindow(s, resendIntervalMs(s.listenWindowMs, baud), baud);
  return loss ** (copies * windows);
}

export interface ChannelLoad {
  /** Frames per resend round on one line (the detectors still unconfirmed). */
  framesPerRound: number;
  /** Airtime of one round. */
  roundMs: number;
  /** Share of the line the resends take (> 1: the rounds stretch beyond R). */
  load: number;
  /** Resend interval actually reached (R, or longer when the line is full). */
  effectiveResendMs: number;
  /** Whether a copy for every unconfirmed detector still lands in each of its windows. */
  fits: boolean;
}

/**
 * The resend load of `detectors` unconfirmed detectors on one line (every
 * receiver carries the same rounds: a shared bus or one radio channel).
 */
export function channelLoad(detectors: number, s: ListenSchedule, baud: number): ChannelLoad {
  const frame = frameTimeMs(SOUND_FRAME_BYTES, baud);
  const resend = resendIntervalMs(s.listenWindowMs, baud);
  const roundMs = detectors * frame;
  const effective = Math.max(resend, roundMs);
  return {
    framesPerRound: detectors,
    roundMs,
    load: roundMs / resend,
    effectiveResendMs: effective,
    fits: effective <= s.listenWindowMs - frame,
  };
}

/** Most unconfirmed detectors whose resends still fit in one line's rounds. */
export function maxDetectorsPerLine(s: ListenSchedule, baud: number): number {
  const frame = frameTimeMs(SOUND_FRAME_BYTES, baud);
  return Math.floor((s.listenWindowMs - frame) / frame);
}

/**
 * How long a group sounding waits for a member's acknowledgement before it
 * re-targets the member alone: the member hears a copy in its first window
 * (within one period) and acknowledges within the next period; one more
 * period covers a lost acknowledgement and its retry.
 */
export function retargetAfterMs(s: ListenSchedule): number {
  return 3 * s.listenEveryS * 1000 + s.listenWindowMs;
}

export interface GroupChannelLoad {
  /** Share of a line the group frames of the burning buildings take (for as long as a member is missing). */
  groupLoad: number;
  /** Share the detectors' group acks take while they come in (two listening periods). */
  ackLoad: number;
  /** Both together: the worst moment. */
  load: number;
}

/**
 * The load of group soundings on one line: `buildings` burning buildings of
 * `detectors` detectors each. The group frames do not grow with the
 * building; the acknowledgements do, once, spread over two periods
 * (firmware/devices/group-sounding.ts).
 */
export function groupChannelLoad(
  buildings: number,
  detectors: number,
  s: ListenSchedule,
  baud: number,
): GroupChannelLoad {
  const groupLoad =
    (buildings * frameTimeMs(SOUND_FRAME_BYTES, baud)) /
    groupResendIntervalMs(s.listenWindowMs, baud);
  const ackLoad =
    (buildings * detectors * frameTimeMs(GROUP_ACK_FRAME_BYTES, baud)) /
    (2 * s.listenEveryS * 1000);
  return { groupLoad, ackLoad, load: groupLoad + ackLoad };
}

/**
 * Wake-on-radio (the default for battery detectors; simulator/physics/energy.ts
 * has the part class): the detector's radio module sniffs the channel every
 * `sniffEveryMs` and catches any frame sent after a wake-up preamble at least
 * that long. A downlink to such detectors takes preamble + frame on the line;
 * a group sounding round is one preamble and then WOR_COPIES copies of the
 * frame of every burning building, on every receiver, and every detector
 * hears every round it does not lose (no windows to hit).
 */

/** The wake-up preamble: one sniff period plus a margin for the module's sniff and clock drift. */
export const WAKE_MARGIN_MS = 20;

export function wakePreambleMs(sniffEveryMs: number): number {
  return sniffEveryMs + WAKE_MARGIN_MS;
}

/** Copies of each building's frame behind a round's preamble (group-sounder.ts). */
export const WOR_COPIES = 3;

/** The line stays free this long between rounds, for the detectors' answers (listen-before-talk) and the gateway's acks. */
export const WOR_GAP_MS = 1500;

/** Interval between group sounding rounds to wake-on-radio detectors. */
export function worRoundIntervalMs(sniffEveryMs: number): number {
  return wakePreambleMs(sniffEveryMs) + WOR_GAP_MS;
}

/**
 * Worst-case chance that a wake-on-radio detector has not heard the sounding
 * `afterMs` after the gateway started: rounds at 0, R, 2R, ... each arriving
 * preamble + frame later, each lost with probability loss^receivers.
 */
export function worMissProbability(
  sniffEveryMs: number,
  loss: number,
  afterMs: number,
  baud: number,
  receivers = 1,
): number {
  const arrive = wakePreambleMs(sniffEveryMs) + frameTimeMs(SOUND_FRAME_BYTES, baud);
  if (afterMs < arrive) return 1;
  const rounds = Math.floor((afterMs - arrive) / worRoundIntervalMs(sniffEveryMs)) + 1;
  return loss ** (receivers * rounds);
}

/**
 * Rounds go every worRoundIntervalMs for this long after a sounding starts
 * (the 10 s bound: four rounds, 0.3^12 to miss on three receivers at 30 %
 * loss), then every worSlowRoundIntervalMs until every member acknowledged:
 * a detector still missing then has lost twelve copies in a row, and the line
 * is left to the acknowledgements and the re-targets.
 */
export const WOR_FAST_ROUNDS_MS = 10_000;

export function worSlowRoundIntervalMs(sniffEveryMs: number): number {
  return 2 * worRoundIntervalMs(sniffEveryMs);
}

/**
 * Wake-on-radio detectors spread their one group ack over this long (two of
 * their 10 s ack periods: firmware apps/smoke.ts): 80 acks of two burning
 * buildings then take 12 % of a 9,600-baud line instead of 23 % over 10 s.
 */
export const GROUP_ACK_SPREAD_MS = 20_000;

/**
 * A wake-on-radio member still missing this long after its building's
 * sounding started is re-targeted alone: its one acknowledgement (asked for
 * no ack, spread over GROUP_ACK_SPREAD_MS after it heard a round) had two
 * slow rounds more to come in. The re-target is the retry of a lost
 * acknowledgement; each costs a preamble.
 */
export function worRetargetAfterMs(sniffEveryMs: number): number {
  return GROUP_ACK_SPREAD_MS + 2 * worSlowRoundIntervalMs(sniffEveryMs);
}

export interface WorChannelLoad extends GroupChannelLoad {
  /** Airtime of one round: the preamble and WOR_COPIES copies of each building's frame. */
  roundMs: number;
  /** Share of the line the rounds take after WOR_FAST_ROUNDS_MS (slow rounds). */
  slowGroupLoad: number;
}

/**
 * The load of wake-on-radio group soundings on one line: `buildings` burning
 * buildings share each round's preamble; each detector's group ack comes
 * once, spread over `ackSpreadMs`, and asks for no ack (no gateway ack on the
 * line: a lost one is retried by the re-target). The worst moment (`load`)
 * is the fast rounds with the acknowledgements coming in; the simulator's
 * busiest 10 s of scenario 21 is measured against it (radio-channel.ts).
 */
export function worChannelLoad(
  buildings: number,
  detectors: number,
  sniffEveryMs: number,
  baud: number,
  ackSpreadMs = GROUP_ACK_SPREAD_MS,
): WorChannelLoad {
  const roundMs =
    wakePreambleMs(sniffEveryMs) + buildings * WOR_COPIES * frameTimeMs(SOUND_FRAME_BYTES, baud);
  const groupLoad = roundMs / worRoundIntervalMs(sniffEveryMs);
  const slowGroupLoad = roundMs / worSlowRoundIntervalMs(sniffEveryMs);
  const ackLoad = (buildings * detectors * frameTimeMs(GROUP_ACK_FRAME_BYTES, baud)) / ackSpreadMs;
  return { roundMs, groupLoad, slowGroupLoad, ackLoad, load: groupLoad + ackLoad };
}
