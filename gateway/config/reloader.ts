/**
 * Keeps the running site config. A reload (file changed, SIGHUP, or an
 * operator's `update-config` command) is validated first; an invalid one is
 * rejected with its errors and the last good config keeps running.
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { writeFileAtomic } from "../../common/atomic-file.js";
import type { Logger } from "../../common/log.js";
import type { ConfigError } from "./errors.js";
import { type LoadResult, loadSiteConfig } from "./load.js";
import type { SiteConfig } from "./site-config.js";

/** Sections a running gateway cannot switch without a restart. */
export const RESTART_SECTIONS = [
  "site",
  "gateway",
  "database",
  "serial",
  "mqtt",
  "cloud",
  "http",
] as const satisfies readonly (keyof SiteConfig)[];

export interface ConfigChange {
  config: SiteConfig;
  previous: SiteConfig;
  /** Top-level keys whose value changed. */
  changed: (keyof SiteConfig)[];
  /** Changed keys that only take effect after a restart. */
  restartRequired: (keyof SiteConfig)[];
}

export interface ConfigReloaderOptions {
  path: string;
  /** Called after a valid reload that changed something. Errors thrown here are logged. */
  onChange?: (change: ConfigChange) => void;
  onRejected?: (errors: ConfigError[]) => void;
  logger?: Logger;
  /** Watch the file and reload when it changes (debounced). */
  watch?: boolean;
  debounceMs?: number;
}

export function changedSections(a: SiteConfig, b: SiteConfig): (keyof SiteConfig)[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof SiteConfig)[]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

export class ConfigReloader {
  private config: SiteConfig | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly stats = { reloads: 0, rejected: 0, unchanged: 0 };

  constructor(private readonly opts: ConfigReloaderOptions) {}

  /** Loads the file for the first time; the service must not start on {ok:false}. */
  start(): LoadResult {
    const r = loadSiteConfig(this.opts.path);
    if (!r.ok) return r;
    this.config = r.config;
    if (this.opts.watch) this.watchFile();
    return r;
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The last good config. */
  current(): SiteConfig {
    if (!this.config) throw new Error("ConfigReloader.current() before a successful start()");
    return this.config;
  }

  /** Re-reads the file. On errors the last good config stays current. */
  reload(): LoadResult {
    return this.accept(loadSiteConfig(this.opts.path));
  }

  /**
   * Validates YAML text (an operator's `update-config`) and, only when valid,
   * writes it over the config file atomically (temp file, fsync, rename) and
   * switches to it.
   */
  applyText(yaml: string): LoadResult {
    const r = loadSiteConfig({
      text: yaml,
      baseDir: dirname(this.opts.path),
      name: this.opts.path,
    });
    if (!r.ok) return this.accept(r);
    writeFileAtomic(this.opts.path, yaml);
    return this.accept(r);
  }

  private accept(r: LoadResult): LoadResult {
    const log = this.opts.logger;
    if (!r.ok) {
      this.stats.rejected++;
      log?.warn("config reload rejected; keeping the last good config", {
        path: this.opts.path,
        errors: r.errors.map((e) => e.message),
      });
      this.opts.onRejected?.(r.errors);
      return r;
    }
    const previous = this.config;
    this.config = r.config;
    if (!previous) return r;
    const changed = changedSections(previous, r.config);
    if (changed.length === 0) {
      this.stats.unchanged++;
      return r;
    }
    this.stats.reloads++;
    const restartRequired = changed.filter((k) =>
      (RESTART_SECTIONS as readonly string[]).includes(k),
    );
    log?.info("config reloaded", { path: this.opts.path, changed, restartRequired });
    try {
      this.opts.onChange?.({ config: r.config, previous, changed, restartRequired });
    } catch (e) {
      log?.error("config change listener failed", { error: String(e) });
    }
    return r;
  }

  private watchFile(): void {
    // Watch the folder: editors and applyText replace the file by renaming.
    const name = basename(this.opts.path);
    this.watcher = watch(dirname(this.opts.path), (_event, file) => {
      if (file !== null && file.toString() !== name) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.reload();
      }, this.opts.debounceMs ?? 200);
    });
    this.watcher.on("error", (e) =>
      this.opts.logger?.warn("config watch failed", { error: String(e) }),
    );
  }
}
