/**
 * Operator commands to a gateway: a CommandRequest signed with HMAC-SHA256
 * under the site's command key (protocol/uplink.ts canonicalCommand),
 * published to `.../request/<command>`, answered on `.../response/<command>`
 * with the same transaction id (seen by every instance on its live
 * subscription, so the instance that asked receives the answer).
 */
import { createHmac, randomUUID } from "node:crypto";
import {
  type CommandName,
  type CommandPayloads,
  type CommandRequest,
  type CommandResponse,
  canonicalCommand,
  topics,
} from "../../protocol/uplink.js";

export function signCommand<C extends CommandName>(
  keyHex: string,
  req: Omit<CommandRequest<C>, "signature">,
): CommandRequest<C> {
  const signature = createHmac("sha256", Buffer.from(keyHex, "hex"))
    .update(canonicalCommand(req as Omit<CommandRequest, "signature">))
    .digest("hex");
  return { ...req, signature };
}

export function verifyCommand(keyHex: string, req: CommandRequest): boolean {
  const { signature, ...rest } = req;
  const expected = signCommand(keyHex, rest).signature;
  return expected.length === signature.length && expected === signature;
}

export class CommandTimeout extends Error {
  constructor(readonly transaction: string) {
    super(`no response to ${transaction}`);
  }
}

interface Waiter {
  resolve(r: CommandResponse): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class CommandClient {
  private readonly waiting = new Map<string, Waiter>();

  constructor(
    private readonly publish: (topic: string, payload: string) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feed every CommandResponse seen on the live subscription. */
  onResponse(r: CommandResponse): void {
    const w = this.waiting.get(r.transaction);
    if (!w) return;
    this.waiting.delete(r.transaction);
    clearTimeout(w.timer);
    w.resolve(r);
  }

  async send<C extends CommandName>(
    site: string,
    gateway: string,
    keyHex: string,
    command: C,
    payload: CommandPayloads[C],
    timeoutMs: number,
  ): Promise<{ request: CommandRequest<C>; response: CommandResponse }> {
    const request = signCommand(keyHex, {
      transaction: randomUUID(),
      command,
      issuedAt: this.now(),
      payload,
    });
    const answered = new Promise<CommandResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request.transaction);
        reject(new CommandTimeout(request.transaction));
      }, timeoutMs);
      this.waiting.set(request.transaction, { resolve, reject, timer });
    });
    try {
      await this.publish(topics.request(site, gateway, command), JSON.stringify(request));
    } catch (err) {
      const w = this.waiting.get(request.transaction);
      if (w) clearTimeout(w.timer);
      this.waiting.delete(request.transaction);
      throw err;
    }
    return { request, response: await answered };
  }

  stop(): void {
    for (const [transaction, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new CommandTimeout(transaction));
    }
    this.waiting.clear();
  }
}
