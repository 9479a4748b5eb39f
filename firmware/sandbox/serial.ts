/**
 * Serial1 of a sandboxed device. What the image writes goes to the host as
 * bytes (to onSerialWrite listeners, or kept for takeSerialOutput when none is
 * registered); what the host injects reaches the image's 'data' handlers as a
 * binary string, as Espruino delivers it.
 */

/** Bytes from what Serial.write accepts: strings, numbers, arrays, typed arrays, ArrayBuffers. */
export function bytesOf(items: ArrayLike<unknown>): Uint8Array {
  const out: number[] = [];
  const push = (v: unknown): void => {
    if (typeof v === "number") out.push(v & 0xff);
    else if (typeof v === "string")
      for (let i = 0; i < v.length; i++) out.push(v.charCodeAt(i) & 0xff);
    else if (ArrayBuffer.isView(v)) {
      const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      for (let i = 0; i < b.length; i++) out.push(b[i] as number);
    } else if (
      v !== null &&
      typeof v === "object" &&
      Object.prototype.toString.call(v) === "[object ArrayBuffer]"
    ) {
      const b = new Uint8Array(v as ArrayBuffer);
      for (let i = 0; i < b.length; i++) out.push(b[i] as number);
    } else if (Array.isArray(v)) for (const x of v) push(x);
    else if (v !== undefined && v !== null) push(String(v));
  };
  for (let i = 0; i < items.length; i++) push(items[i]);
  return Uint8Array.from(out);
}

export function binaryString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

export class SerialModel {
  baud: number | undefined;
  rx: string | undefined;
  tx: string | undefined;
  readonly dataHandlers: unknown[] = [];
  private readonly listeners: ((bytes: Uint8Array) => void)[] = [];
  private kept: Uint8Array[] = [];
  private keptBytes = 0;
  bytesWritten = 0;
  bytesReceived = 0;

  reset(): void {
    this.baud = undefined;
    this.rx = undefined;
    this.tx = undefined;
    this.dataHandlers.length = 0;
  }

  /** The image wrote `bytes`. */
  written(bytes: Uint8Array): void {
    this.bytesWritten += bytes.length;
    if (this.listeners.length === 0) {
      this.kept.push(bytes);
      this.keptBytes += bytes.length;
      return;
    }
    for (const l of this.listeners) l(bytes);
  }

  listen(cb: (bytes: Uint8Array) => void): () => void {
    this.listeners.push(cb);
    return () => {
      const i = this.listeners.indexOf(cb);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  take(): Uint8Array {
    const out = new Uint8Array(this.keptBytes);
    let o = 0;
    for (const k of this.kept) {
      out.set(k, o);
      o += k.length;
    }
    this.kept = [];
    this.keptBytes = 0;
    return out;
  }
}
