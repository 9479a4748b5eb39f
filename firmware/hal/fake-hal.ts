/**
 * A virtual board for firmware unit tests: a clock that moves only when told,
 * pins set by the test, outputs recorded with their time, a storage that
 * survives a "reboot" (pass it to the next FakeHal). Not part of any image.
 */
import { type Sha256Fn, sha256 } from "../../protocol/sha256.js";
import type { Hal, PinHandler } from "./hal.js";

interface Timer {
  at: number;
  everyMs: number;
  fn: () => void;
  seq: number;
}

export interface OutputChange {
  role: string;
  high: boolean;
  atMs: number;
}

export class FakeHal implements Hal {
  timeMs = 0;
  readonly analogs: { [role: string]: number } = {};
  readonly digitals: { [role: string]: boolean } = {};
  readonly outputs: { [role: string]: boolean } = {};
  readonly changes: OutputChange[] = [];
  readonly sent: Uint8Array[] = [];
  readonly files: { [name: string]: string };
  readonly roles: string[];
  sleepAllowed = false;
  sha256: Sha256Fn;
  private timers: Timer[] = [];
  private seq = 0;
  private watchers: { role: string; fn: PinHandler }[] = [];
  private receiver: ((bytes: Uint8Array) => void) | undefined;
  private rand: number;

  constructor(roles: string[], files?: { [name: string]: string }, hash?: Sha256Fn) {
    this.roles = roles;
    this.files = files || {};
    this.sha256 = hash || sha256;
    this.rand = 0.5;
  }

  nowMs(): number {
    return this.timeMs;
  }
  has(role: string): boolean {
    return this.roles.indexOf(role) >= 0;
  }
  analog(role: string): number {
    const v = this.analogs[role];
    return v === undefined ? 0 : v;
  }
  read(role: string): boolean {
    return this.digitals[role] === true;
  }
  write(role: string, high: boolean): void {
    if (this.outputs[role] !== high)
      this.changes.push({ role: role, high: high, atMs: this.timeMs });
    this.outputs[role] = high;
  }
  watch(role: string, _debounceMs: number, _pullUp: boolean, fn: PinHandler): void {
    this.watchers.push({ role: role, fn: fn });
  }
  every(ms: number, fn: () => void): void {
    this.timers.push({ at: this.timeMs + ms, everyMs: ms, fn: fn, seq: this.seq++ });
  }
  after(ms: number, fn: () => void): void {
    this.timers.push({ at: this.timeMs + ms, everyMs: 0, fn: fn, seq: this.seq++ });
  }
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  onReceive(fn: (bytes: Uint8Array) => void): void {
    this.receiver = fn;
  }
  load(name: string): string | undefined {
    return this.files[name];
  }
  save(name: string, data: string): void {
    this.files[name] = data;
  }
  random(): number {
    return this.rand;
  }
  deepSleep(on: boolean): void {
    this.sleepAllowed = on;
  }

  /** Fixes what random() returns (jitter), default 0.5. */
  setRandom(v: number): void {
    this.rand = v;
  }

  /** Sets a digital input and fires its watchers when it changes. */
  setPin(role: string, high: boolean): void {
    if (this.digitals[role] === high) return;
    this.digitals[role] = high;
    for (let i = 0; i < this.watchers.length; i++) {
      const w = this.watchers[i]!;
      if (w.role === role) w.fn(high, this.timeMs);
    }
  }

  /** Delivers bytes as if they came in on the link. */
  inject(bytes: Uint8Array): void {
    if (this.receiver) this.receiver(bytes);
  }

  /** Moves the clock forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.timeMs + ms;
    for (;;) {
      let next: Timer | undefined;
      for (let i = 0; i < this.timers.length; i++) {
        const t = this.timers[i]!;
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t;
      }
      if (!next) break;
      this.timeMs = Math.max(this.timeMs, next.at);
      if (next.everyMs > 0) {
        next.at += next.everyMs;
        next.seq = this.seq++;
      } else {
        this.timers.splice(this.timers.indexOf(next), 1);
      }
      next.fn();
    }
    this.timeMs = end;
  }

  /** Sent frames since index `from`, drained by the caller. */
  takeSent(): Uint8Array[] {
    return this.sent.splice(0, this.sent.length);
  }
}
