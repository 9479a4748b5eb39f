/**
 * A small Prometheus registry: counters and gauges with labels, rendered in
 * the text exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  series: Map<string, Series>;
  collect?: () => Array<{ labels: Labels; value: number }>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`).join(",")}}`;
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  get(labels?: Labels): number;
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): Counter {
    const f = this.family(name, help, "counter");
    return {
      inc: (labels = {}, by = 1) => {
        const key = labelKey(labels);
        const s = f.series.get(key);
        if (s) s.value += by;
        else f.series.set(key, { labels, value: by });
      },
      get: (labels = {}) => f.series.get(labelKey(labels))?.value ?? 0,
    };
  }

  gauge(name: string, help: string): Gauge {
    const f = this.family(name, help, "gauge");
    return {
      set: (value, labels = {}) => {
        f.series.set(labelKey(labels), { labels, value });
      },
      get: (labels = {}) => f.series.get(labelKey(labels))?.value ?? 0,
    };
  }

  /** A gauge whose values are read when the registry is rendered. */
  gaugeFn(
    name: string,
    help: string,
    collect: () => number | Array<{ labels: Labels; value: number }>,
  ) {
    const f = this.family(name, help, "gauge");
    f.collect = () => {
      const v = collect();
      return typeof v === "number" ? [{ labels: {}, value: v }] : v;
    };
  }

  /** Sum of a counter family over all label sets (tests and logs). */
  total(name: string): number {
    const f = this.families.get(name);
    if (!f) return 0;
    let sum = 0;
    for (const s of f.series.values()) sum += s.value;
    return sum;
  }

  /** Current value of one series of any family (tests, health). */
  value(name: string, labels: Labels = {}): number {
    const f = this.families.get(name);
    if (!f) return 0;
    const key = labelKey(labels);
    const series = f.collect ? f.collect() : [...f.series.values()];
    return series.find((s) => labelKey(s.labels) === key)?.value ?? 0;
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      const series = f.collect ? f.collect() : [...f.series.values()];
      for (const s of series) out.push(`${f.name}${renderLabels(s.labels)} ${s.value}`);
    }
    return out.join("\n") + "\n";
  }

  private family(name: string, help: string, type: Family["type"]): Family {
    const existing = this.families.get(name);
    if (existing) return existing;
    const f: Family = { name, help, type, series: new Map() };
    this.families.set(name, f);
    return f;
  }
}
