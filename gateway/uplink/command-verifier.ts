/**
 * Operator commands from the cloud are authenticated before anything runs:
 * HMAC-SHA256 under the site command key over canonicalCommand(), `issuedAt`
 * within 5 minutes of the gateway clock, a transaction used only once, and a
 * payload of the right shape. Pure apart from the seen-transaction memory;
 * `now` is passed in.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Ajv, type ValidateFunction } from "ajv";
import { type CommandName, type CommandRequest, canonicalCommand } from "../../protocol/uplink.js";
import { CommandPayloadSchemas } from "../../protocol/uplink-schemas.js";
import { MemoryTransactionStore, type TransactionStore } from "./transaction-store.js";

export const COMMAND_MAX_SKEW_MS = 5 * 60_000;
/** Transactions remembered at once; beyond, commands are refused until old ones age out. */
export const MAX_REMEMBERED_TRANSACTIONS = 10_000;

/** Each command's payload schema: the contract's own definitions (protocol/uplink-schemas.ts). */
const COMMANDS: Record<CommandName, object> = CommandPayloadSchemas;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export type Verdict =
  | { ok: true; request: CommandRequest }
  | { ok: false; reason: RejectReason; error: string; transaction: string; command: string };

export type RejectReason =
  | "malformed"
  | "unknown-command"
  | "no-key"
  | "bad-signature"
  | "stale"
  | "replayed"
  | "busy"
  | "bad-payload";

export class CommandVerifier {
  private readonly payloadCheck: Record<string, ValidateFunction>;
  private lastForgetAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly key: Uint8Array | undefined,
    private readonly seen: TransactionStore = new MemoryTransactionStore(),
  ) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    this.payloadCheck = Object.fromEntries(
      Object.entries(COMMANDS).map(([name, schema]) => [name, ajv.compile(schema)]),
    );
  }

  /** `topicCommand` is the last level of request/{command}. */
  verify(topicCommand: string, raw: Uint8Array | string, now: number): Verdict {
    let body: unknown;
    try {
      body = JSON.parse(typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8"));
    } catch {
      return this.reject("malformed", "malformed request: not JSON", "", topicCommand);
    }
    if (body === null || typeof body !== "object") {
      return this.reject("malformed", "malformed request: not an object", "", topicCommand);
    }
    const b = body as Record<string, unknown>;
    const transaction = typeof b.transaction === "string" ? b.transaction : "";
    if (!transaction || transaction.length > 200) {
      return this.reject(
        "malformed",
        "malformed request: transaction must be a string of 1-200 characters",
        "",
        topicCommand,
      );
    }
    if (!(topicCommand in COMMANDS)) {
      return this.reject(
        "unknown-command",
        `unknown command ${JSON.stringify(topicCommand)}`,
        transaction,
        topicCommand,
      );
    }
    if (b.command !== topicCommand) {
      return this.reject(
        "malformed",
        `command ${JSON.stringify(b.command)} does not match the topic (${topicCommand})`,
        transaction,
        topicCommand,
      );
    }
    if (typeof b.issuedAt !== "number" || !Number.isFinite(b.issuedAt)) {
      return this.reject(
        "malformed",
        "malformed request: issuedAt must be a number (ms since the epoch)",
        transaction,
        topicCommand,
      );
    }
    if (typeof b.signature !== "string" || !/^[0-9a-fA-F]{64}$/.test(b.signature)) {
      return this.reject(
        "bad-signature",
        "bad signature: expected 64 hex digits of HMAC-SHA256",
        transaction,
        topicCommand,
      );
    }
    if (!this.key) {
      return this.reject(
        "no-key",
        "commands are disabled: the gateway has no command key",
        transaction,
        topicCommand,
      );
    }
    const req = b as unknown as CommandRequest;
    const expected = createHmac("sha256", this.key)
      .update(
        canonicalCommand({
          transaction,
          command: req.command,
          issuedAt: req.issuedAt,
          payload: req.payload,
        }),
      )
      .digest();
    if (!timingSafeEqual(expected, Buffer.from(req.signature, "hex"))) {
      return this.reject(
        "bad-signature",
        "bad signature: not signed with the site command key",
        transaction,
        topicCommand,
      );
    }
    const skew = req.issuedAt - now;
    if (Math.abs(skew) > COMMAND_MAX_SKEW_MS) {
      const s = Math.round(Math.abs(skew) / 1000);
      return this.reject(
        "stale",
        `stale: issued ${s} s ${skew < 0 ? "before" : "after"} the gateway clock (limit 300 s)`,
        transaction,
        topicCommand,
      );
    }
    this.forgetOld(now);
    if (this.seen.has(transaction)) {
      return this.reject(
        "replayed",
        `replayed: transaction ${transaction} was already used`,
        transaction,
        topicCommand,
      );
    }
    if (this.seen.size() >= MAX_REMEMBERED_TRANSACTIONS) {
      return this.reject("busy", "busy: too many commands in 5 minutes", transaction, topicCommand);
    }
    this.seen.add(transaction, req.issuedAt);
    const check = this.payloadCheck[topicCommand]!;
    if (!check(req.payload)) {
      const e = check.errors?.[0];
      const where = e?.instancePath ? `payload${e.instancePath.replace(/\//g, ".")}` : "payload";
      return this.reject(
        "bad-payload",
        `invalid payload: ${where} ${e?.message ?? "is invalid"}`,
        transaction,
        topicCommand,
      );
    }
    return { ok: true, request: req };
  }

  /** Transactions issued before the window are rejected as stale anyway (checked once a minute). */
  private forgetOld(now: number): void {
    if (now - this.lastForgetAt < 60_000) return;
    this.lastForgetAt = now;
    this.seen.forgetIssuedBefore(now - COMMAND_MAX_SKEW_MS);
  }

  private reject(
    reason: RejectReason,
    error: string,
    transaction: string,
    command: string,
  ): Verdict {
    return { ok: false, reason, error, transaction, command };
  }
}

/** Signs a command (the cloud side, CLI and tests). */
export function signCommand<C extends CommandName>(
  key: Uint8Array,
  req: Omit<CommandRequest<C>, "signature">,
): CommandRequest<C> {
  const signature = createHmac("sha256", key)
    .update(canonicalCommand(req as Omit<CommandRequest, "signature">))
    .digest("hex");
  return { ...req, signature };
}
