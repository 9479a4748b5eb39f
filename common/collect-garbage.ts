/**
 * One full garbage collection, for a moment such as the end of start-up.
 * Loading a site of 10,000 devices (YAML, schema checks, registry, counter
 * windows) leaves about 100 MB of garbage that a quiet gateway may never
 * collect, and its resident set stays at the peak. Node offers gc() only
 * behind a flag, so the flag is set at run time and gc() taken from a new
 * context (contexts made before keep no `gc` global).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("typeof gc === 'function' ? gc : undefined") as
    | (() => void)
    | undefined;
  // The first collection frees the objects; the second gives the emptied pages back.
  gc?.();
  gc?.();
}
