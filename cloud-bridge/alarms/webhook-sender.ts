/**
 * Delivers one JSON notification to one webhook: signed, retried with
 * exponential back-off and jitter until a 2xx, a permanent 4xx, or
 * `maxAttempts`.
 *
 * Signature: `X-Haitang-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`.
 * The body carries `sentAt`, equal to `X-Haitang-Timestamp`, so the time is
 * covered by the signature; receivers should refuse stale timestamps and
 * drop repeats of `X-Haitang-Idempotency-Key`.
 */
import { createHmac } from "node:crypto";
import type { Logger } from "../../common/log.js";
import type { WebhookConfig } from "../config/types.js";
import type { MetricsRegistry } from "../metrics/registry.js";

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface Delivery {
  idempotencyKey: string;
  event: string;
  /** Builds the body for one attempt (attempt number and send time are part of it). */
  body(attempt: number, sentAt: number): Record<string, unknown>;
}

/** The fields every notification body starts with (README "Webhooks"). */
export function bodyHead(
  key: string,
  event: string,
  attempt: number,
  sentAt: number,
  hook: WebhookConfig,
  site: string,
  siteName: string | undefined,
) {
  return {
    idempotencyKey: key,
    event,
    sentAt,
    attempt,
    webhook: hook.name,
    site: { id: site, ...(siteName ? { name: siteName } : {}) },
  };
}

export interface AttemptResult {
  ok: boolean;
  status?: number;
  error?: string;
}

/** 408 and 429 are worth retrying; other 4xx mean the request itself is wrong. */
function permanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export class WebhookSender {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly results;
  private readonly deadLetters;

  constructor(
    private readonly log: Logger,
    metrics: MetricsRegistry,
    private readonly now: () => number = Date.now,
    /** Called once per delivery with its final outcome. */
    private readonly onFinal: (
      hook: WebhookConfig,
      d: Delivery,
      r: AttemptResult,
      at: number,
    ) => void = () => {},
  ) {
    this.results = metrics.counter(
      "haitang_bridge_webhook_attempts_total",
      "Webhook attempts by webhook and result",
    );
    this.deadLetters = metrics.counter(
      "haitang_bridge_webhook_dead_letters_total",
      "Webhook deliveries given up (every attempt failed, a permanent 4xx, or stopped), by webhook and event",
    );
    metrics.gaugeFn(
      "haitang_bridge_webhook_retries_pending",
      "Webhook deliveries waiting to retry",
      () => this.timers.size,
    );
  }

  /** Resolves after the first attempt; later attempts continue in the background. */
  deliver(hook: WebhookConfig, d: Delivery): Promise<AttemptResult> {
    return this.attempt(hook, d, 1);
  }

  private async attempt(hook: WebhookConfig, d: Delivery, n: number): Promise<AttemptResult> {
    const sentAt = this.now();
    const body = JSON.stringify(d.body(n, sentAt));
    let r: AttemptResult;
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "haitang-cloud-bridge",
          "x-haitang-event": d.event,
          "x-haitang-timestamp": String(sentAt),
          "x-haitang-idempotency-key": d.idempotencyKey,
          "x-haitang-signature": signBody(hook.secret, body),
        },
        body,
        signal: AbortSignal.timeout(hook.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      r = res.ok ? { ok: true, status: res.status } : { ok: false, status: res.status };
    } catch (err) {
      r = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (r.ok) {
      this.results.inc({ webhook: hook.name, result: "ok" });
      this.onFinal(hook, d, r, this.now());
      return r;
    }
    const giveUp =
      n >= hook.maxAttempts || (r.status !== undefined && permanent(r.status)) || this.stopped;
    this.results.inc({ webhook: hook.name, result: giveUp ? "failed" : "retry" });
    const backoff = Math.min(hook.maxBackoffMs, hook.initialBackoffMs * 2 ** (n - 1));
    const delay = Math.round(backoff * (0.5 + Math.random() * 0.5));
    this.log.warn(
      giveUp ? "webhook delivery failed, giving up" : "webhook delivery failed, will retry",
      {
        webhook: hook.name,
        key: d.idempotencyKey,
        attempt: n,
        status: r.status,
        error: r.error,
        ...(giveUp ? {} : { retryInMs: delay }),
      },
    );
    if (giveUp) {
      this.deadLetters.inc({ webhook: hook.name, event: d.event });
      this.onFinal(hook, d, r, this.now());
      return r;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.attempt(hook, d, n + 1);
    }, delay);
    this.timers.add(t);
    return r;
  }

  /** Cancels pending retries (they are logged as lost). */
  stop(): void {
    this.stopped = true;
    if (this.timers.size > 0)
      this.log.warn("stopping with webhook retries pending", { pending: this.timers.size });
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
