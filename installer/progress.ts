/**
 * The installer's progress display: one line per step, and an upload bar that
 * redraws in place on a terminal (or prints every quarter when piped).
 */

export interface ProgressSink {
  step(n: number, total: number, text: string): void;
  upload(sentBytes: number, totalBytes: number): void;
  info(text: string): void;
  done(text: string): void;
}

export interface ConsoleProgressOptions {
  write: (text: string) => void;
  /** Redraw the bar in place (a terminal). */
  tty: boolean;
}

export function consoleProgress(opts: ConsoleProgressOptions): ProgressSink {
  let barOpen = false;
  let lastQuarter = -1;
  const endBar = () => {
    if (barOpen) opts.write("\n");
    barOpen = false;
  };
  return {
    step(n, total, text) {
      endBar();
      lastQuarter = -1;
      opts.write(`[${n}/${total}] ${text}\n`);
    },
    upload(sent, total) {
      const frac = total > 0 ? Math.min(1, sent / total) : 1;
      const pct = Math.floor(frac * 100);
      if (opts.tty) {
        const width = 30;
        const filled = Math.round(frac * width);
        opts.write(
          `\r      [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(pct).padStart(3)}% ` +
            `${sent}/${total} bytes`,
        );
        barOpen = true;
        if (sent >= total) endBar();
      } else {
        const quarter = Math.floor(frac * 4);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          opts.write(`      upload ${pct}% (${sent}/${total} bytes)\n`);
        }
      }
    },
    info(text) {
      endBar();
      opts.write(`      ${text}\n`);
    },
    done(text) {
      endBar();
      opts.write(`${text}\n`);
    },
  };
}

/** A sink that keeps lines, for tests and the benchmark. */
export function memoryProgress(): ProgressSink & { lines: string[]; uploads: number[] } {
  const lines: string[] = [];
  const uploads: number[] = [];
  return {
    lines,
    uploads,
    step: (n, total, text) => lines.push(`[${n}/${total}] ${text}`),
    upload: (sent) => uploads.push(sent),
    info: (text) => lines.push(text),
    done: (text) => lines.push(text),
  };
}
