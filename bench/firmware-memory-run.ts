/**
 * One image on the real interpreter: host stubs and the image are installed
 * in Storage as `haitang flash` installs them (installer/storage-install.ts),
 * the interpreter boots them with load(), and the duty is driven through the
 * console while process.memory() is read.
 *
 * Host stubs (kept in Storage too, so they cost few JsVars; their cost is
 * measured alone and subtracted): analogRead returns levels the bench sets,
 * setWatch records handlers the bench fires, Serial1.setup/write go to the
 * console (frames printed base64, decoded and MAC-checked here, acked with
 * signed downlinks injected with Serial1.emit("data")), E.setConsole keeps
 * the console on stdout. Every analogRead, Serial1.write and require() (the
 * image asks require("crypto") for each MAC on boards with a native SHA-256,
 * while the HMAC's buffers are alive) also records the JsVars in use (without
 * a garbage collection) into a peak. Not seen: what one plain-JS SHA-256 call
 * allocates inside itself on boards without a native one (the bench adds that,
 * measured alone: SHA256_WORKING_SET).
 */
import { FakeGateway } from "../firmware/hal/fake-gateway.js";
import { BOOT_CODE_FILE, IMAGE_FILE, storageWrites } from "../installer/storage-install.js";
import { FLAG_ACK_REQUESTED } from "../protocol/constants.js";
import { makeHmacSha256 } from "../protocol/hmac.js";
import type { DownlinkMsg, Frame } from "../protocol/messages.js";
import { sha256 } from "../protocol/sha256.js";
import { EspruinoProcess, sleep } from "./espruino-process.js";

export const STUB_FILE = "hstub.js";

/**
 * ES5 host stubs (see the file comment), with the analog levels the duty
 * starts from (read by the image's first sample, before the console could set
 * them). Builtins are replaced through `global`: Espruino refuses a plain
 * assignment to a native function's name. setDeepSleep does not exist on
 * Linux; the boards have it.
 */
export function stubs(levels: Record<string, number>): string {
  return [
    `var __A=${JSON.stringify(levels)},__W=[],__P=0;`,
    "function __k(){var u=process.memory(false).usage;if(u>__P)__P=u;}",
    "global.analogRead=function(p){__k();var v=__A[p];return v===undefined?0:v;};",
    "global.setWatch=function(f,p){__W.push(String(p),f);return __W.length>>1;};",
    "global.setDeepSleep=function(){};",
    // Every MAC asks require("crypto") (native SHA-256): the HMAC's buffers are alive then.
    "var __r=require;global.require=function(m){__k();return __r(m);};",
    "E.setConsole=function(){};",
    "Serial1.setup=function(){};",
    'Serial1.write=function(b){__k();print("TX:"+btoa(E.toString(b)));};',
    "function __w(p,s){for(var i=0;i<__W.length;i+=2)if(__W[i]==p)__W[i+1]({state:s,time:getTime(),lastTime:getTime()});}",
    'function __m(t){var m=process.memory();print("MEM:"+t+":"+m.usage+":"+m.total+":"+__P+":"+E.getErrorFlags());__P=0;}',
  ].join("\n");
}

export interface MemoryPoint {
  /** JsVars in use after a garbage collection. */
  usage: number;
  total: number;
  /** Most JsVars in use at any analogRead / Serial1.write since the last point. */
  peak: number;
  errorFlags: string;
}

export interface Device {
  deviceId: number;
  key: Uint8Array;
}

/** A running image and the gateway end of its link. */
export class ImageRun {
  readonly esp: EspruinoProcess;
  readonly gw: FakeGateway;
  /** Frames the image sent, decoded and MAC-checked. */
  readonly frames: Frame[] = [];
  readonly problems: string[] = [];
  ackFrames = true;
  /** Analog levels by pin: the stubs start with them; once booted, changes go to the interpreter. */
  readonly levels: Record<string, number> = {};
  private booted = false;

  constructor(bin: string, device: Device) {
    this.esp = new EspruinoProcess(bin);
    this.gw = new FakeGateway(device.deviceId, device.key, makeHmacSha256(sha256));
    this.esp.onLine((line) => this.onLine(line));
  }

  private onLine(line: string): void {
    const tx = /TX:([A-Za-z0-9+/=]+)/.exec(line);
    if (tx) {
      try {
        for (const f of this.gw.decode([new Uint8Array(Buffer.from(tx[1] as string, "base64"))])) {
          this.frames.push(f);
          if (this.ackFrames && (f.flags & FLAG_ACK_REQUESTED) !== 0)
            this.inject(this.gw.ack(f.counter));
        }
      } catch (err) {
        this.problems.push(`bad frame from the image: ${(err as Error).message}`);
      }
      return;
    }
    if (
      /Out of Memory|LOW_MEMORY|MEMORY_BUSY|Uncaught|ERROR/i.test(line) &&
      !line.includes("MEM:")
    ) {
      this.problems.push(line.trim().slice(0, 200));
    }
  }

  /** Bytes into the image's Serial1 "data" handlers. */
  inject(bytes: Uint8Array): void {
    this.esp.send(
      `Serial1.emit("data",atob(${JSON.stringify(Buffer.from(bytes).toString("base64"))}))`,
    );
  }

  command(msg: DownlinkMsg): void {
    this.inject(this.gw.downlink(msg));
  }

  /** Writes a Storage file piece by piece, each confirmed (the console drops input it cannot buffer). */
  async writeFile(name: string, code: string): Promise<void> {
    for (const w of storageWrites(name, code)) {
      const ok = await this.ask(w);
      if (ok !== true) throw new Error(`Storage refused a piece of ${name}: ${String(ok)}`);
    }
  }

  /** Installs stubs (+ image) in Storage with a boot code that runs them, and boots. */
  async install(image: string | undefined): Promise<void> {
    await this.esp.run(["echo(0)", 'require("Storage").eraseAll()']);
    await this.writeFile(STUB_FILE, stubs(this.levels));
    let boot = `eval(require("Storage").read(${JSON.stringify(STUB_FILE)}));`;
    if (image !== undefined) {
      await this.writeFile(IMAGE_FILE, image);
      boot += `eval(require("Storage").read(${JSON.stringify(IMAGE_FILE)}));`;
    }
    await this.esp.run([
      `require("Storage").write(${JSON.stringify(BOOT_CODE_FILE)},${JSON.stringify(boot)});`,
    ]);
    const size = await this.ask(
      `(require("Storage").read(${JSON.stringify(IMAGE_FILE)})||"").length`,
    );
    if (image !== undefined && size !== image.length) {
      this.problems.push(`Storage holds ${size} of the image's ${image.length} bytes`);
    }
    this.esp.send("load()");
    await sleep(300);
    await this.esp.run(["echo(0)"], 60_000);
    this.booted = true;
  }

  /** Evaluates `expr` on the interpreter; its value as JSON. */
  async ask(expr: string): Promise<unknown> {
    const tag = `@@ask${Math.random().toString(36).slice(2, 8)}:`;
    this.esp.send(`print(${JSON.stringify(tag)}+JSON.stringify(${expr}))`);
    const line = await this.esp.waitFor((l) => l.includes(tag), 60_000, tag);
    return JSON.parse(line.slice(line.indexOf(tag) + tag.length));
  }

  async memory(label: string): Promise<MemoryPoint> {
    this.esp.send(`__m(${JSON.stringify(label)})`);
    const line = await this.esp.waitFor((l) => l.includes(`MEM:${label}:`), 240_000, label);
    const [, , usage, total, peak, flags] = line.slice(line.indexOf("MEM:")).split(":");
    return {
      usage: Number(usage),
      total: Number(total),
      peak: Number(peak),
      errorFlags: flags ?? "",
    };
  }

  setAnalog(pin: string, v: number): void {
    this.levels[pin] = Math.round(v * 10000) / 10000;
    if (this.booted) this.esp.send(`__A[${JSON.stringify(pin)}]=${this.levels[pin]}`);
  }

  fireWatch(pin: string, high: boolean): void {
    this.esp.send(`__w(${JSON.stringify(pin)},${high ? 1 : 0})`);
  }

  async stop(): Promise<void> {
    await this.esp.stop();
  }
}
