/**
 * Operator commands: verify (command-verifier.ts), then run the wiring's
 * handler, and build the CommandResponse that pairs with the request by its
 * transaction. A handler that throws becomes an error response.
 */
import type { Logger } from "../../common/log.js";
import type {
  CommandName,
  CommandPayloads,
  CommandRequest,
  CommandResponse,
} from "../../protocol/uplink.js";
import type { CommandVerifier, RejectReason } from "./command-verifier.js";

export interface CommandResult {
  ok: boolean;
  error?: string;
  data?: unknown;
}

export type CommandHandlers = {
  [C in CommandName]?: (
    payload: CommandPayloads[C],
    req: CommandRequest<C>,
  ) => CommandResult | Promise<CommandResult>;
};

export interface CommandStats {
  commandsAccepted: number;
  commandsRejected: Partial<Record<RejectReason | "handler-failed", number>>;
}

export interface CommandDispatcherOptions {
  verifier: CommandVerifier;
  handlers: CommandHandlers;
  stats: CommandStats;
  logger?: Logger;
}

export class CommandDispatcher {
  constructor(private readonly opts: CommandDispatcherOptions) {}

  async handle(topicCommand: string, payload: Uint8Array, now: number): Promise<CommandResponse> {
    const v = this.opts.verifier.verify(topicCommand, payload, now);
    if (!v.ok) {
      this.count(v.reason);
      this.opts.logger?.warn("command rejected", {
        command: topicCommand,
        transaction: v.transaction,
        error: v.error,
      });
      return {
        transaction: v.transaction,
        command: topicCommand as CommandName,
        ok: false,
        error: v.error,
      };
    }
    return this.run(v.request);
  }

  private async run(req: CommandRequest): Promise<CommandResponse> {
    const base = { transaction: req.transaction, command: req.command };
    const handler = this.opts.handlers[req.command] as
      | ((p: unknown, r: CommandRequest) => CommandResult | Promise<CommandResult>)
      | undefined;
    if (!handler) {
      this.count("unknown-command");
      return { ...base, ok: false, error: `unsupported command ${req.command} on this gateway` };
    }
    try {
      const r = await handler(req.payload, req);
      this.opts.stats.commandsAccepted++;
      const res: CommandResponse = { ...base, ok: r.ok };
      if (r.error !== undefined) res.error = r.error;
      if (r.data !== undefined) res.data = r.data;
      return res;
    } catch (e) {
      this.count("handler-failed");
      this.opts.logger?.error("command handler failed", { command: req.command, error: String(e) });
      return { ...base, ok: false, error: `failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private count(reason: RejectReason | "handler-failed"): void {
    const r = this.opts.stats.commandsRejected;
    r[reason] = (r[reason] ?? 0) + 1;
  }
}
