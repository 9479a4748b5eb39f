/**
 * Where a battery detector's charge goes, per board: deep sleep, smoke
 * sampling, listening windows (MCU awake with its UART on, plus the radio
 * module receiving), transmissions, the sounder's tests. Average current and
 * expected life on 2 x AA; pure, so scenario summaries and bench/battery-life
 * print the same numbers.
 *
 * Board currents: espruino.com/Power+Consumption (STM32 "stop" 0.02-0.03 mA,
 * "sleep" with a peripheral running 11-12 mA, running JS 32-35 mA; nRF52
 * 0.02 mA asleep with Bluetooth advertising, about 1 mA with the UART in use,
 * 4-8 mA running). Radio: a UART transceiver module draws 10-16 mA receiving
 * and about 40 mA sending at +17 dBm (datasheets of common 433/470 MHz
 * modules). The model assumes the radio is powered only inside listening
 * windows and while sending; a module powered all the time adds its receive
 * current to every hour (12 mA: 2 x AA last about a week).
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

/** 2 x AA alkaline: 2,500 mAh, of which 85 % is usable over years (self-discharge, cold). */
export const TWO_AA_MAH = 2500;
export const USABLE_SHARE = 0.85;

export interface DetectorDuty {
  listenWindowMs: number;
  listenEveryS: number;
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
  listeningUa: number;
  transmitUa: number;
  sounderUa: number;
  totalUa: number;
  /** Expected life on 2 x AA (years). */
  years: number;
}

const SOUNDER_MA = 30;
const STATUS_FRAME_BYTES = 23;
const HOUR_S = 3600;
const YEAR_H = 8766;

/** Average current of a battery detector on `board`; undefined for boards without deep sleep. */
export function detectorEnergy(
  board: string,
  d: DetectorDuty,
  radio: RadioPower = UART_RADIO,
): EnergyBreakdown | undefined {
  const b = BOARD_POWER[board.toUpperCase()];
  if (!b) return undefined;
  const listenShare = d.listenWindowMs / (d.listenEveryS * 1000);
  const listening = listenShare * (b.listenMa + radio.rxMa - b.sleepMa);
  const sampling = (((d.sampleRunMs ?? 10) / 1000) * (b.runMa - b.sleepMa)) / d.sampleIntervalS;
  // A heartbeat: the frame on the air, then a listening window after it.
  const txS = (STATUS_FRAME_BYTES * 10) / d.baud;
  const transmit =
    (txS * (radio.txMa + b.runMa) + (d.listenWindowMs / 1000) * (b.listenMa + radio.rxMa)) /
    d.heartbeatS;
  const sounder = ((d.selfTestSPerMonth ?? 5) * SOUNDER_MA) / (30 * 24 * HOUR_S);
  const totalMa = b.sleepMa + sampling + listening + transmit + sounder;
  const ua = (ma: number) => Math.round(ma * 10000) / 10;
  return {
    board: board.toUpperCase(),
    sleepUa: ua(b.sleepMa),
    samplingUa: ua(sampling),
    listeningUa: ua(listening),
    transmitUa: ua(transmit),
    sounderUa: ua(sounder),
    totalUa: ua(totalMa),
    years: Math.round(((TWO_AA_MAH * USABLE_SHARE) / totalMa / YEAR_H) * 100) / 100,
  };
}

/** "3.2 years" / "5 weeks" for summaries. */
export function formatLife(years: number): string {
  if (years >= 1) return `${years.toFixed(1)} years`;
  const weeks = years * 52.18;
  return weeks >= 2 ? `${weeks.toFixed(0)} weeks` : `${(weeks * 7).toFixed(0)} days`;
}
