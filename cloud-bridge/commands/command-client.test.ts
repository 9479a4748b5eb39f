import { describe, expect, it } from "vitest";
import type { CommandRequest } from "../../protocol/uplink.js";
import { CommandClient, CommandTimeout, signCommand, verifyCommand } from "./command-client.js";

const KEY = "000102030405060708090a0b0c0d0e0f";

describe("commands", () => {
  it("signs the canonical command so that any change breaks the signature", () => {
    const req = signCommand(KEY, {
      transaction: "t1",
      command: "ack-alarm",
      issuedAt: 1,
      payload: { alarmId: "a", by: "ops" },
    });
    expect(req.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyCommand(KEY, req)).toBe(true);
    expect(verifyCommand(KEY, { ...req, payload: { alarmId: "b", by: "ops" } })).toBe(false);
    expect(verifyCommand("f".repeat(32), req)).toBe(false);
  });

  it("pairs a response with its request by transaction, and times out otherwise", async () => {
    const sent: CommandRequest[] = [];
    const c = new CommandClient(async (_topic, payload) => {
      sent.push(JSON.parse(payload));
    });
    const answered = c.send("s", "g", KEY, "ack-alarm", { alarmId: "a", by: "ops" }, 1000);
    await Promise.resolve();
    c.onResponse({ transaction: "other", command: "ack-alarm", ok: false });
    c.onResponse({ transaction: sent[0]!.transaction, command: "ack-alarm", ok: true });
    expect((await answered).response.ok).toBe(true);
    await expect(
      c.send("s", "g", KEY, "ack-alarm", { alarmId: "a", by: "ops" }, 10),
    ).rejects.toBeInstanceOf(CommandTimeout);
  });
});
