/**
 * require("Storage") in memory. The host owns the files, so they outlive a
 * reboot (and can be handed to a re-flashed device). Files are binary strings
 * (one char per byte) as on the board; names longer than Espruino's 28
 * characters are refused like the board refuses them.
 *
 * Large files are written in pieces as on Espruino 2v29:
 * `write(name, data, 0, size)` creates a file of `size` bytes (unwritten bytes
 * read 0xFF, erased flash) with `data` at its start, then
 * `write(name, data, offset)` fills it in; `read(name, offset, length)` reads
 * part of a file. This is how the installer puts an image's code in
 * `.bootcde` (the code a board runs at boot) and reads it back.
 */

export const MAX_FILE_NAME = 28;

export type StorageFiles = Map<string, string>;

/** Bytes of Storage an unknown board offers (the smallest of the boards, a Puck.js: 40 KB). */
export const DEFAULT_STORAGE_BYTES = 40_960;

export interface EspruinoStorageApi {
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: unknown, offset?: number, size?: number): boolean;
  eraseAll(): void;
  getFree(): number;
  readJSON(name: string, noExceptions?: boolean): unknown;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
  list(): string[];
}

/** A binary string from what Storage.write accepts (string, typed array, ArrayBuffer, array). */
export function toBinaryString(data: unknown): string {
  if (typeof data === "string") return data;
  let bytes: ArrayLike<number> | undefined;
  if (ArrayBuffer.isView(data))
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else if (
    data instanceof Object &&
    Object.prototype.toString.call(data) === "[object ArrayBuffer]"
  ) {
    bytes = new Uint8Array(data as ArrayBuffer);
  } else if (Array.isArray(data)) bytes = data as number[];
  if (!bytes) return String(data);
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode((bytes[i] as number) & 0xff);
  return s;
}

/** Bytes the files take. */
export function storageUsed(files: StorageFiles): number {
  let n = 0;
  for (const v of files.values()) n += v.length;
  return n;
}

export function createStorageApi(
  files: StorageFiles,
  json: JSON,
  makeError: (message: string) => Error,
  capacityBytes = DEFAULT_STORAGE_BYTES,
): EspruinoStorageApi {
  const room = (name: string, bytes: number) => {
    const old = files.get(name)?.length ?? 0;
    if (storageUsed(files) - old + bytes > capacityBytes) {
      throw makeError(
        `Unable to find or create file "${name}" as not enough free space in Storage ` +
          `(${bytes} bytes wanted, ${capacityBytes - storageUsed(files) + old} free)`,
      );
    }
  };
  const piece = (name: string, data: string, offset: number, size: number | undefined) => {
    if (size !== undefined) {
      // A new file of `size` bytes: erased flash reads 0xFF until written.
      if (offset + data.length > size) throw makeError(`Too much data for file size (${name})`);
      room(name, size);
      files.set(name, data + "\xff".repeat(size - data.length));
      return;
    }
    const old = files.get(name);
    if (old === undefined || offset + data.length > old.length) {
      throw makeError(
        `Storage file "${name}" is ${old === undefined ? "absent" : `${old.length} bytes`}: ` +
          `cannot write ${data.length} bytes at ${offset}`,
      );
    }
    files.set(name, old.slice(0, offset) + data + old.slice(offset + data.length));
  };
  const checkName = (name: unknown): string => {
    const n = String(name);
    if (n.length === 0 || n.length > MAX_FILE_NAME) {
      throw makeError(
        `Storage file name must be 1..${MAX_FILE_NAME} characters, got ${JSON.stringify(n)}`,
      );
    }
    return n;
  };
  return {
    read(name, offset, length) {
      const f = files.get(checkName(name));
      if (f === undefined || (offset === undefined && length === undefined)) return f;
      const from = offset ?? 0;
      return f.slice(from, length === undefined ? undefined : from + length);
    },
    write(name, data, offset, size) {
      const n = checkName(name);
      const bytes = toBinaryString(data);
      if (offset === undefined && size === undefined) {
        room(n, bytes.length);
        files.set(n, bytes);
      } else piece(n, bytes, offset ?? 0, size);
      return true;
    },
    eraseAll() {
      files.clear();
    },
    getFree() {
      return capacityBytes - storageUsed(files);
    },
    readJSON(name, noExceptions) {
      const text = files.get(checkName(name));
      if (text === undefined) return undefined;
      try {
        return json.parse(text);
      } catch (err) {
        if (noExceptions) return undefined;
        throw err;
      }
    },
    writeJSON(name, data) {
      files.set(checkName(name), json.stringify(data));
      return true;
    },
    erase(name) {
      files.delete(checkName(name));
    },
    list() {
      return [...files.keys()];
    },
  };
}
