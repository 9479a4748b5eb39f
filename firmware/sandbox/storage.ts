/**
 * require("Storage") in memory. The host owns the files, so they outlive a
 * reboot (and can be handed to a re-flashed device). Files are binary strings
 * (one char per byte) as on the board; names longer than Espruino's 28
 * characters are refused like the board refuses them.
 */

export const MAX_FILE_NAME = 28;

export type StorageFiles = Map<string, string>;

export interface EspruinoStorageApi {
  read(name: string): string | undefined;
  write(name: string, data: unknown): boolean;
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

export function createStorageApi(
  files: StorageFiles,
  json: JSON,
  makeError: (message: string) => Error,
): EspruinoStorageApi {
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
    read(name) {
      return files.get(checkName(name));
    },
    write(name, data) {
      files.set(checkName(name), toBinaryString(data));
      return true;
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
