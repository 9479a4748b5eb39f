import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ToolchainConnection } from "../../installer/espruino-toolchain.js";
import { tmpDir } from "../../tests/support/services.js";
import { plainHost } from "./plain-host.js";
import { VirtualBoard } from "./virtual-board.js";

describe("virtual Espruino board", () => {
  const dir = tmpDir("haitang-vb-");
  afterAll(() => dir.remove());

  describe("answering the Espruino toolchain", () => {
    const booted: string[] = [];
    let board: VirtualBoard;
    let conn: ToolchainConnection;
    beforeAll(async () => {
      board = new VirtualBoard({ dir: dir.path, name: "a", firmwareHost: () => plainHost(booted) });
      await board.start();
      conn = await ToolchainConnection.open(board.consolePath);
    });
    afterAll(async () => {
      await conn.close();
      await board.stop();
    });

    it("answers process.env with its board type and version", async () => {
      const env = (await conn.evaluate("process.env")) as Record<string, unknown>;
      expect(env.BOARD).toBe("PICO_R1_3");
      expect(env.VERSION).toBe("2v29");
    });

    it("holds an uploaded program in RAM, saves it to flash and runs it", async () => {
      const code = [
        "var HAITANG_FIRMWARE_VERSION = '1.2.3';",
        "function twice(x) {",
        "  if (x > 1) {",
        "    return x * 2;",
        "  }",
        "  return 0;",
        "}",
        "var answer = twice(21);",
      ].join("\n");
      const progress: number[] = [];
      await conn.upload(code, (p) => progress.push(p.sentBytes));
      expect(await conn.evaluate("typeof answer")).toBe("undefined");
      const out = await conn.command("save()", /Done!|ERROR/, 5000);
      expect(out).toContain("Done!");
      expect(await conn.evaluate("[HAITANG_FIRMWARE_VERSION, answer]")).toEqual(["1.2.3", 42]);
      expect(booted.at(-1)).toContain("function twice(x) {\n  if (x > 1) {");
      expect(progress.at(-1)).toBeGreaterThanOrEqual(code.length);
    });
  });
});
