/**
 * glibc's malloc keeps one heap ("arena") per thread that allocates, up to 8
 * per core, and gives little of each back. The gateway's threads (the commit
 * worker and its SQLite, V8's helper threads, libuv's pool) held five arenas
 * of 2-8 MB each at 10,000 devices and 5,000 frames/s. `MALLOC_ARENA_MAX=1`
 * puts every thread on the main heap: RSS fell by 10-14 MB in the e2e bench,
 * at no latency or CPU per frame it could see (gateway/README.md, issue 15).
 *
 * glibc reads the variable once, when the process starts, so the gateway
 * cannot set it for itself: whatever starts it does (its systemd unit's
 * `Environment=MALLOC_ARENA_MAX=1`, or the shell). The gateway says so at
 * start when it is missing.
 */

/** The value a deployment should set. */
export const GATEWAY_MALLOC_ARENA_MAX = "1";

/**
 * The advice to log at start (undefined when the environment already sets
 * it, or off Linux/glibc where the variable means nothing); pure.
 */
export function mallocArenaAdvice(
  env: Record<string, string | undefined>,
  glibc: boolean,
): string | undefined {
  if (!glibc || env.MALLOC_ARENA_MAX !== undefined) return undefined;
  return `MALLOC_ARENA_MAX is not set: start the gateway with MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENA_MAX} in its environment (one malloc heap for all its threads, about 10 MB less resident memory; gateway/README.md)`;
}

/** Whether this process runs on glibc (whose malloc reads MALLOC_ARENA_MAX). */
export function runsOnGlibc(): boolean {
  const header = process.report?.getReport?.() as
    | { header?: { glibcVersionRuntime?: string } }
    | undefined;
  return process.platform === "linux" && typeof header?.header?.glibcVersionRuntime === "string";
}
