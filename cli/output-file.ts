/**
 * Output files named on the command line (`--junit out/x.xml`, `-o dir/x.js`):
 * their folder is created and the file is checked writable before any work
 * starts, so a long run never loses its results at the end. A failure is a
 * one-line message naming the file and what to do, never a stack trace.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Creates the file's folder and checks the file can be written; the problem in words, or undefined. */
export function prepareOutputFile(path: string): string | undefined {
  try {
    const folder = dirname(resolve(path));
    mkdirSync(folder, { recursive: true });
    // Checked, not created: a run that fails leaves no empty file behind.
    if (existsSync(path) && statSync(path).isDirectory())
      throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
    accessSync(existsSync(path) ? path : folder, constants.W_OK);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === "EACCES" || e.code === "EPERM"
        ? "permission denied"
        : e.code === "EISDIR"
          ? "it is a folder"
          : e.code === "ENOTDIR" || e.code === "EEXIST"
            ? "a part of its folder path is a file"
            : (e.message ?? String(err));
    return `cannot write ${path}: ${why}; choose a path in a folder you can write to`;
  }
}
