/**
 * Serves a folder (gateway/web/, the installer page) read-only under a URL
 * prefix. Paths are resolved and must stay inside the folder.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Returns true when it answered (file or 404 inside the folder). */
export function serveStatic(root: string, relPath: string, res: ServerResponse): boolean {
  if (!existsSync(root)) return false;
  const base = resolve(root);
  let rel: string;
  try {
    rel = decodeURIComponent(relPath);
  } catch {
    return false;
  }
  let file = resolve(join(base, rel));
  if (file !== base && !file.startsWith(base + sep)) return false;
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
  if (!existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
    return true;
  }
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-cache",
  });
  createReadStream(file).pipe(res);
  return true;
}
