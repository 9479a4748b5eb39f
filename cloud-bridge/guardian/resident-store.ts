/**
 * guardian.stateFile: the residents' states (state, since when, last
 * activity, flat) and the last daily summary sent per resident, kept across
 * bridge restarts in one JSON file replaced atomically (temp file, fsync,
 * rename). Writes are grouped: a change marks the store dirty and it is
 * written within `delayMs` (and on stop). A missing file is an empty start; a
 * damaged one is logged, counted and set aside as <file>.bad, never fatal.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { writeFileAtomic } from "../../common/atomic-file.js";
import type { Logger } from "../../common/log.js";
import { RESIDENT_STATES } from "../../protocol/uplink-schemas.js";
import type { ResidentView } from "../live/resident-book.js";

export interface SavedResident extends ResidentView {
  site: string;
}

export interface SavedGuardianState {
  residents: SavedResident[];
  /** Last daily summary's local day, by "site/deviceId". */
  dailySent: Record<string, string>;
}

const STATES: ReadonlySet<string> = new Set(RESIDENT_STATES);

function isResident(v: unknown): v is SavedResident {
  const r = v as Partial<SavedResident> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.site === "string" &&
    typeof r.gateway === "string" &&
    typeof r.deviceId === "string" &&
    typeof r.state === "string" &&
    STATES.has(r.state) &&
    typeof r.since === "number" &&
    typeof r.updatedAt === "number"
  );
}

export class ResidentStore {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => SavedGuardianState,
    private readonly log: Logger,
    private readonly onBadFile: () => void = () => {},
    private readonly delayMs = 1000,
  ) {}

  load(): SavedGuardianState {
    const empty: SavedGuardianState = { residents: [], dailySent: {} };
    if (!existsSync(this.path)) return empty;
    try {
      const raw = JSON.parse(readFileSync(this.path, "utf8")) as Partial<SavedGuardianState>;
      const residents = Array.isArray(raw.residents) ? raw.residents : [];
      const good = residents.filter(isResident);
      if (good.length !== residents.length)
        this.log.warn("resident state file: entries skipped", {
          path: this.path,
          skipped: residents.length - good.length,
        });
      const dailySent: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.dailySent ?? {}))
        if (typeof v === "string") dailySent[k] = v;
      return { residents: good, dailySent };
    } catch (err) {
      this.onBadFile();
      this.log.error("resident state file unreadable, set aside; starting empty", {
        path: this.path,
        error: err instanceof Error ? err.message : String(err),
      });
      try {
        renameSync(this.path, `${this.path}.bad`);
      } catch {
        // Nothing more to do: the next write replaces it.
      }
      return empty;
    }
  }

  /** Something changed: written within delayMs. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes now if anything is pending (on stop). */
  flushPending(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private flush(): void {
    try {
      writeFileAtomic(this.path, `${JSON.stringify(this.snapshot())}\n`);
    } catch (err) {
      this.log.error("could not write the resident state file", {
        path: this.path,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
