/** How the `haitang` command reports a failure it did not expect. */

/**
 * A failure as one line for the person at the terminal: what went wrong and
 * with which file. The stack trace only with HAITANG_DEBUG=1 (it helps a
 * developer, never a user who gave a wrong option or path).
 */
export function failureText(err: unknown, debug: boolean): string {
  if (!(err instanceof Error)) return `haitang: ${String(err)}`;
  if (debug) return `haitang: ${err.stack ?? err.message}`;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e.code === "string" ? e.code : "";
  if (code.startsWith("ERR_PARSE_ARGS"))
    return `haitang: ${e.message} (see --help for the options)`;
  const hint =
    code === "ENOENT"
      ? " (check the path)"
      : code === "EACCES" || code === "EPERM"
        ? " (permission denied: choose a path you can read or write)"
        : "";
  return `haitang: ${e.message}${hint}\n(set HAITANG_DEBUG=1 to see where it failed)`;
}
