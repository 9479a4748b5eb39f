/**
 * Where a battery detector's charge goes, per board: deep sleep, smoke
 * sampling, listening (scheduled windows, or the radio's wake-on-radio
 * sniffs and the wake-ups they cause), transmissions, the sounder's tests.
 * Average current and expected life on a cell; pure, so scenario summaries
 * and bench/battery-life print the same numbers.
 *
 * Board currents: espruino.com/Power+Consumption (STM32 "stop" 0.02-0.03 mA,
 * "sleep" with a peripheral running 11-12 mA, running JS 32-35 mA; nRF52
 * 0.02 mA asleep with Bluetooth advertising, about 1 mA with the UART in use,
 * 4-8 mA running).
 *
 * Radio, two ways of listening:
 * - windows: the board wakes on its timer and powers a UART transceiver
 *   module's receiver for the window: 10-16 mA receiving (datasheets of common
 *   433/470 MHz modules), powered only inside windows and while sending;
 * - wake-on-radio (WoR): the module duty-cycles its own receiver and the board
 *   stays in deep sleep. Part class: a Semtech SX126x sub-GHz transceiver in its
 *   RX duty-cycle mode (SX1261/2 datasheet: 4.6 mA receiving with the DC-DC
 *   converter, about 1.2 µA asleep with its wake-up timer running, warm start
 *   well under 1 ms), as in UART modules that offer a WOR mode. Each sniff is
 *   about 3 ms of receiver time: wake and lock, then preamble detection over
 *   two bytes at 9,600 baud. A sniff that finds a wake-up preamble keeps the
 *   receiver on through the rest of the preamble (half a sniff period on
 *   average) and the frame, then raises the module's wake pin: the board opens
 *   a listening window to read it.
 * Sending: about 40 mA at +17 dBm (same modules).
 */

export interface BoardPower {
  /** Deep sleep between timers (mA). */
  sleepMa: number;
  /** Awake with the UART on, waiting for bytes (mA). */
  listenMa: number;
  /** Running JavaScript (mA). */
  runMa: number;
}

/** Boards that can run on batteries (deep sleep between timers: firmware/build/boards.ts). */
export const BOARD_POWER: Record<string, BoardPower> = {
  PICO: { sleepMa: 0.02, listenMa: 11, runMa: 32 },
  ORIGINAL: { sleepMa: 0.03, listenMa: 12, runMa: 35 },
  PUCKJS: { sleepMa: 0.02, listenMa: 1, runMa: 6 },
};

export interface RadioPower {
  rxMa: number;
  txMa: number;
}

export const UART_RADIO: RadioPower = { rxMa: 12, txMa: 40 };

/** A wake-on-radio transceiver (SX126x class, see above). */
export interface WorRadioPower extends RadioPower {
  /** Asleep between sniffs, wake-up timer running (mA). */
  sleepMa: number;
  /** Receiver time of one sniff (ms). */
  sniffMs: number;
}

export const WOR_RADIO: WorRadioPower = { rxMa: 4.6, txMa: 40, sleepMa: 0.0012, sniffMs: 3 };

/** A battery: nominal capacity and the share a detector can use over its years. */
export interface Cell {
  name: string;
  mAh: number;
  usable: number;
}

/** 2 x AA alkaline: 2,500 mAh, of which 85 % is usable over years (self-discharge, cold). */
export const TWO_AA: Cell = { name: "2 x AA", mAh: 2500, usable: 0.85 };
/**
 * Sealed lithium-thionyl chloride cells (3.6 V, under 1 % self-discharge a
 * year: the cells of 10-year meters and alarms), C and D size; 85 % usable
 * (passivation, cold, end-of-life margin).
 */
export const LITHIUM_C: Cell = { name: "Li-SOCl2 C cell (8.5 Ah)", mAh: 8500, usable: 0.85 };
export const LITHIUM_D: Cell = { name: "Li-SOCl2 D cell (19 Ah)", mAh: 19000, usable: 0.85 };
/** The cells a battery detector may carry, smallest first. */
export const CELLS: Cell[] = [TWO_AA, LITHIUM_C, LITHIUM_D];

/** What the issue asks of a battery detector: 5 years on 2 x AA, or 10 on a sealed lithium cell. */
export function targetYears(cell: Cell): number {
  return cell === TWO_AA ? 5 : 10;
}

export interface DetectorDuty {
  /** Listening window after each uplink, and after each scheduled wake-up (windows) or wake pin (WoR). */
  listenWindowMs: number;
  /** Windows: a scheduled window every this many seconds (ignored with sniffEveryMs). */
  listenEveryS: number;
  /** Wake-on-radio: the module sniffs the channel this often, and there are no scheduled windows. */
  sniffEveryMs?: number;
  /** WoR: frames with a wake-up preamble the module catches per day (soundings, drills, rekeys). */
  wakesPerDay?: number;
  sampleIntervalS: number;
  heartbeatS: number;
  baud: number;
  /** JavaScript run time of one smoke sample (ADC, filter, decision). */
  sampleRunMs?: number;
  /** Self-test sounding per month (GB 20517 asks for a test facility; we assume a monthly test). */
  selfTestSPerMonth?: number;
}

export interface EnergyBreakdown {
  board: string;
  /** Average current per use (µA). */
  sleepUa: number;
  samplingUa: number;
  /** Scheduled windows (windows mode); 0 with wake-on-radio. */
  listeningUa: number;
  /** Wake-on-radio: the module's sniffs and its sleep between them; 0 with windows. */
  sniffUa: number;
  /** Wake-on-radio: frames the sniffs caught (rest of the preamble, the frame, the board's window). */
  wakeUa: number;
  transmitUa: number;
  sounderUa: number;
  totalUa: number;
  /** Expected life on 2 x AA (years). */
  years: number;
}

const SOUNDER_MA = 30;
const STATUS_FRAME_BYTES = 23;
/** A framed SOUND or group frame (gateway/downlink/interlink-budget.ts SOUND_FRAME_BYTES). */
const WAKE_FRAME_BYTES = 30;
const DEFAULT_WAKES_PER_DAY = 4;
const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;
const YEAR_H = 8766;

/** Years a cell lasts at `totalUa` average. */
export function lifeYears(totalUa: number, cell: Cell = TWO_AA): number {
  return Math.round(((cell.mAh * cell.usable) / (totalUa / 1000) / YEAR_H) * 100) / 100;
}

/** Average current of a battery detector on `board`; undefined for boards without deep sleep. */
export function detectorEnergy(
  board: string,
  d: DetectorDuty,
  radio: RadioPower = UART_RADIO,
  wor: WorRadioPower = WOR_RADIO,
): EnergyBreakdown | undefined {
  const b = BOARD_POWER[board.toUpperCase()];
  if (!b) return undefined;
  const isWor = d.sniffEveryMs !== undefined && d.sniffEveryMs > 0;
  const rx = isWor ? wor.rxMa : radio.rxMa;
  const tx = isWor ? wor.txMa : radio.txMa;
  const windowS = d.listenWindowMs / 1000;
  const windowMa = b.listenMa + rx;
  let listening = 0;
  let sniff = 0;
  let wake = 0;
  if (isWor) {
    const period = d.sniffEveryMs as number;
    sniff = wor.sleepMa + (wor.sniffMs / period) * (wor.rxMa - wor.sleepMa);
    // Per caught frame: the rest of the preamble and the frame on the receiver, then the board's window.
    const frameS = (WAKE_FRAME_BYTES * 10) / d.baud;
    const perWakeMaS = (period / 2000 + frameS) * wor.rxMa + windowS * (windowMa - b.sleepMa);
    wake = ((d.wakesPerDay ?? DEFAULT_WAKES_PER_DAY) * perWakeMaS) / DAY_S;
  } else {
    listening = (d.listenWindowMs / (d.listenEveryS * 1000)) * (windowMa - b.sleepMa);
  }
  const sampling = (((d.sampleRunMs ?? 10) / 1000) * (b.runMa - b.sleepMa)) / d.sampleIntervalS;
  // A heartbeat: the frame on the air, then a listening window after it.
  const txS = (STATUS_FRAME_BYTES * 10) / d.baud;
  const transmit = (txS * (tx + b.runMa) + windowS * windowMa) / d.heartbeatS;
  const sounder = ((d.selfTestSPerMonth ?? 5) * SOUNDER_MA) / (30 * DAY_S);
  const totalMa = b.sleepMa + sampling + listening + sniff + wake + transmit + sounder;
  const ua = (ma: number) => Math.round(ma * 10000) / 10;
  return {
    board: board.toUpperCase(),
    sleepUa: ua(b.sleepMa),
    samplingUa: ua(sampling),
    listeningUa: ua(listening),
    sniffUa: ua(sniff),
    wakeUa: ua(wake),
    transmitUa: ua(transmit),
    sounderUa: ua(sounder),
    totalUa: ua(totalMa),
    years: lifeYears(totalMa * 1000, TWO_AA),
  };
}

/** One firmware update as a battery detector lives it (from a scenario's trace). */
export interface UpdateDuty {
  /** Its receiver and UART on for the update session (from the first update frame to the last). */
  awakeMs: number;
  /** Update frames it took (each: MAC check, counter, a Storage write). */
  framesIn: number;
  /** Its answers (OTA status frames). */
  framesOut: number;
  baud: number;
  /** JavaScript run time per update frame taken. */
  runMsPerFrame?: number;
}

/** A framed OTA status uplink (header, 18-byte status, MAC, CRC, flags). */
const OTA_STATUS_FRAME_BYTES = 41;

/** Charge one firmware update costs a battery detector (mAh); undefined for boards without deep sleep. */
export function updateChargeMah(
  board: string,
  u: UpdateDuty,
  wor: WorRadioPower = WOR_RADIO,
): number | undefined {
  const b = BOARD_POWER[board.toUpperCase()];
  if (!b) return undefined;
  const awake = (u.awakeMs / 1000) * (b.listenMa + wor.rxMa - b.sleepMa);
  const run = ((u.framesIn * (u.runMsPerFrame ?? 20)) / 1000) * (b.runMa - b.listenMa);
  const send = ((u.framesOut * OTA_STATUS_FRAME_BYTES * 10) / u.baud) * (wor.txMa + b.runMa);
  return (awake + run + send) / HOUR_S;
}

/** The smallest cell of CELLS on which `totalUa` lasts its target (5 years on 2 x AA, else 10). */
export function cellFor(totalUa: number): { cell: Cell; years: number; meets: boolean } {
  for (const cell of CELLS) {
    const years = lifeYears(totalUa, cell);
    if (years >= targetYears(cell)) return { cell, years, meets: true };
  }
  const big = CELLS[CELLS.length - 1] as Cell;
  return { cell: big, years: lifeYears(totalUa, big), meets: false };
}

/** "3.2 years" / "5 weeks" for summaries. */
export function formatLife(years: number): string {
  if (years >= 1) return `${years.toFixed(1)} years`;
  const weeks = years * 52.18;
  return weeks >= 2 ? `${weeks.toFixed(0)} weeks` : `${(weeks * 7).toFixed(0)} days`;
}
