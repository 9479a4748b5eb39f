/**
 * Writes one batch of lines to InfluxDB v2 (or VictoriaMetrics) through
 * @influxdata/influxdb-client's WriteApi, with the client's own retries off:
 * the promise settles once, for exactly these lines, and the bridge decides
 * what to do on failure (storage/batching-writer.ts).
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { InfluxDB, setLogger, type WriteApi } from "@influxdata/influxdb-client";
import type { Logger } from "../../common/log.js";
import type { InfluxConfig } from "../config/types.js";

export interface PointSink {
  /** Writes `lines` points given as line-protocol text; settles once, for exactly these points. */
  write(text: string, lines: number): Promise<void>;
  close(): void;
}

let clientLogger: Logger | undefined;
/** The client logs every failed write; the bridge logs its own, so these go to debug. */
function routeClientLogs(log: Logger) {
  if (clientLogger) return;
  clientLogger = log;
  setLogger({
    error: (message, error) => clientLogger?.debug(message, { error: String(error) }),
    warn: (message, error) => clientLogger?.debug(message, { error: String(error) }),
  });
}

export class InfluxSink implements PointSink {
  private readonly influx: InfluxDB;
  private readonly agent: HttpAgent;

  constructor(
    private readonly cfg: InfluxConfig,
    log: Logger,
  ) {
    routeClientLogs(log);
    this.agent = cfg.url.startsWith("https:")
      ? new HttpsAgent({ keepAlive: true, maxSockets: cfg.maxConcurrentWrites + 1 })
      : new HttpAgent({ keepAlive: true, maxSockets: cfg.maxConcurrentWrites + 1 });
    this.influx = new InfluxDB({
      url: cfg.url,
      token: cfg.token,
      timeout: cfg.timeoutMs,
      transportOptions: { agent: this.agent },
    });
  }

  async write(text: string, lines: number): Promise<void> {
    if (lines === 0) return;
    // One WriteApi per batch, given the batch as one record: it never flushes
    // on its own, so flush() settles for exactly these points.
    const api: WriteApi = this.influx.getWriteApi(this.cfg.org, this.cfg.bucket, "ns", {
      batchSize: 2,
      maxBatchBytes: Number.POSITIVE_INFINITY,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 0,
      ...(this.cfg.gzip ? { gzipThreshold: 1000 } : {}),
    });
    try {
      api.writeRecord(text.endsWith("\n") ? text.slice(0, -1) : text);
      await api.flush();
    } finally {
      api.dispose();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
