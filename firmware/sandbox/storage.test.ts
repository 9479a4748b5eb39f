import { describe, expect, it } from "vitest";
import { createStorageApi, type StorageFiles } from "./storage.js";

function storage(capacity = 1000) {
  const files: StorageFiles = new Map();
  return { files, api: createStorageApi(files, JSON, (m) => new Error(m), capacity) };
}

describe("sandbox Storage (Espruino 2v29's require('Storage'))", () => {
  it("writes a large file in pieces: size first, erased bytes read 0xFF until written", () => {
    const { api } = storage();
    expect(api.write("img.js", "abc", 0, 8)).toBe(true);
    expect(api.read("img.js")).toBe("abc\xff\xff\xff\xff\xff");
    api.write("img.js", "defgh", 3);
    expect(api.read("img.js")).toBe("abcdefgh");
    expect(api.read("img.js", 2, 3)).toBe("cde");
    expect(api.read("img.js", 6)).toBe("gh");
    expect(api.read("nothing", 0, 4)).toBeUndefined();
  });

  it("refuses a piece past the file's end, into a missing file, or beyond its capacity", () => {
    const { api, files } = storage(100);
    api.write("a", "x", 0, 4);
    expect(() => api.write("a", "12345", 1)).toThrow(/cannot write 5 bytes at 1/);
    expect(() => api.write("b", "1", 2)).toThrow(/"b" is absent/);
    expect(() => api.write("a", "toolong", 0, 3)).toThrow(/Too much data/);
    expect(() => api.write("c", "", 0, 97)).toThrow(/not enough free space in Storage/);
    expect(api.getFree()).toBe(96);
    api.write("a", "y".repeat(100));
    expect(api.getFree()).toBe(0);
    api.eraseAll();
    expect(files.size).toBe(0);
    expect(api.getFree()).toBe(100);
  });
});
