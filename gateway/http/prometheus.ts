/**
 * Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, then one
 * sample per line with escaped label values.
 */

export type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

export class PromText {
  private readonly lines: string[] = [];

  private family(
    type: "counter" | "gauge",
    name: string,
    help: string,
    samples: Array<[Labels, number]> | number,
  ): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\n/g, " ")}`, `# TYPE ${name} ${type}`);
    const list: Array<[Labels, number]> = typeof samples === "number" ? [[{}, samples]] : samples;
    for (const [labels, value] of list) {
      const keys = Object.keys(labels);
      const l = keys.length
        ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(",")}}`
        : "";
      this.lines.push(`${name}${l} ${formatValue(value)}`);
    }
    return this;
  }

  counter(name: string, help: string, samples: Array<[Labels, number]> | number): this {
    return this.family("counter", name, help, samples);
  }

  gauge(name: string, help: string, samples: Array<[Labels, number]> | number): this {
    return this.family("gauge", name, help, samples);
  }

  toString(): string {
    return this.lines.join("\n") + "\n";
  }
}
