/** Small helpers for node:http handlers: JSON out, JSON in (bounded), errors. */
import type { IncomingMessage, ServerResponse } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

export async function readJson(req: IncomingMessage, limitBytes = 16_384): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limitBytes) throw new HttpError(413, "body too large");
    chunks.push(b);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

/** A query parameter as a number, or the fallback; 400 when present but not a number. */
export function numberParam(url: URL, name: string, fallback?: number): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new HttpError(400, `${name} must be a number (got ${JSON.stringify(v)})`);
  return n;
}

/** Time parameter: milliseconds since the epoch, or an ISO 8601 date. */
export function timeParam(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return fallback;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  const d = Date.parse(v);
  if (Number.isNaN(d))
    throw new HttpError(
      400,
      `${name} must be milliseconds or an ISO date (got ${JSON.stringify(v)})`,
    );
  return d;
}
