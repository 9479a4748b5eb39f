/** Serves the dashboard's files from a folder (GET/HEAD outside /api), never outside it. */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
};

/** Returns false when nothing was found (the caller answers 404). */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<boolean> {
  const base = resolve(root);
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(pathname));
  } catch {
    return false;
  }
  let file = join(base, rel);
  if (file !== base && !file.startsWith(base + sep)) return false;
  let st = await stat(file).catch(() => undefined);
  if (st?.isDirectory()) {
    file = join(file, "index.html");
    st = await stat(file).catch(() => undefined);
  }
  if (!st?.isFile()) return false;
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": st.size,
    "cache-control": "no-cache",
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
  return true;
}
