/**
 * The run's trace: one record per thing a device, a link, the gateway or the
 * cloud did, in virtual time. Kept in memory for the verdicts and, with
 * --trace FILE, written as JSON lines.
 */
import { createWriteStream, type WriteStream } from "node:fs";

export type TraceSource = "timeline" | "device" | "link" | "gateway" | "cloud" | "sim";

export interface TraceRecord {
  /** Virtual milliseconds since the scenario started. */
  t: number;
  src: TraceSource;
  event: string;
  /** Scenario device name, when the record is about one device. */
  device?: string | undefined;
  [field: string]: unknown;
}

export class Trace {
  readonly records: TraceRecord[] = [];
  private readonly out: WriteStream | undefined;
  private readonly scenario: string;

  constructor(scenario: string, file?: WriteStream) {
    this.scenario = scenario;
    this.out = file;
  }

  add(rec: TraceRecord): void {
    this.records.push(rec);
    if (this.out) this.out.write(JSON.stringify({ scenario: this.scenario, ...rec }) + "\n");
  }

  where(pred: (r: TraceRecord) => boolean): TraceRecord[] {
    return this.records.filter(pred);
  }
}

export function openTraceFile(path: string): WriteStream {
  return createWriteStream(path, { flags: "w" });
}

export function closeTraceFile(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}
