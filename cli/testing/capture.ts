/** Runs a CLI command's `run` in this process and returns its exit code and what it printed. */
import { vi } from "vitest";

export async function capture(
  run: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    out += c.toString();
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
    err += c.toString();
    return true;
  });
  try {
    return { code: await run(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
