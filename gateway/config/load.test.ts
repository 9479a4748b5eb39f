import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { formatConfigErrors, loadSiteConfig } from "./load.js";
import { hashInstallPassword, verifyInstallPassword } from "./password.js";

const DEMO = new URL("./examples/demo-site.yaml", import.meta.url).pathname;
const dir = tmpDir("haitang-config-");
afterAll(() => dir.remove());

const base = "site: s1\ngateway: gw\n";

function errorsOf(text: string) {
  const r = loadSiteConfig({ text, baseDir: dir.path });
  if (r.ok) throw new Error("expected the config to be rejected");
  return r.errors;
}

describe("loadSiteConfig", () => {
  it("loads the demo site with every rule kind", () => {
    const r = loadSiteConfig(DEMO);
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    const kinds = new Set(r.config.rules.map((x) => x.kind));
    expect([...kinds].sort()).toEqual(
      [
        "absence",
        "aggregate",
        "device-event",
        "illegal-load",
        "inactivity",
        "welfare",
        "security",
        "threshold",
      ].sort(),
    );
    expect(r.config.sheds[0]?.limitW).toBe(8700);
    expect(r.config.database).toBe(join(DEMO, "..", "data/demo-gateway.db"));
  });

  it("accepts the example of the README", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readme.split("## Example")[1]!.split("```yaml\n")[1]!.split("```")[0]!;
    const r = loadSiteConfig({ text: example }, { checkFiles: false });
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    expect(r.config.rules.map((x) => x.kind)).toEqual([
      "device-event",
      "threshold",
      "illegal-load",
      "welfare",
    ]);
  });

  it("fills defaults so that site and gateway alone make a complete config", () => {
    const r = loadSiteConfig({ text: base, baseDir: dir.path });
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    expect(r.config.mqtt).toEqual({ mode: "embedded", host: "0.0.0.0", port: 1883 });
    expect(r.config.ingest).toEqual({
      rateLimit: { perSecond: 2, burst: 30 },
      mergeWindowMs: 30,
      holdAboveFrames: 4000,
    });
    expect(r.config.http).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(r.config.utcOffsetMin).toBe(480);
    expect(r.config.cloud).toBeUndefined();
    expect(r.config.rules.map((x) => x.id)).toContain("fire");
    const fire = r.config.rules.find((x) => x.id === "fire");
    expect(fire).toMatchObject({ kind: "device-event", interlink: { soundDurationS: 300 } });
    const illegal = r.config.rules.find((x) => x.kind === "illegal-load");
    expect(illegal).toMatchObject({ flatMinW: 800, windowS: 40, cut: true });
  });

  it("takes the rate limit and merge window from the ingest section, keeping defaults for the rest", () => {
    const r = loadSiteConfig({
      text: `${base}ingest: { rateLimit: { burst: 5 }, mergeWindowMs: 0 }\n`,
    });
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    expect(r.config.ingest).toEqual({
      rateLimit: { perSecond: 2, burst: 5 },
      mergeWindowMs: 0,
      holdAboveFrames: 4000,
    });
  });

  it("fills the defaults of a cloud section", () => {
    const r = loadSiteConfig({ text: `${base}cloud: { url: "mqtt://127.0.0.1:1" }\n` });
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    expect(r.config.cloud).toMatchObject({ keepaliveS: 30, inflight: 64, reconnectMinMs: 1000 });
  });

  // Each case: YAML after `site` and `gateway`, the expected path, value and words of the message.
  const cases: Array<[string, string, string, unknown, string]> = [
    [
      "negative duration",
      "rules:\n  - { id: a, kind: threshold, metric: shed-temp-c, above: 60 }\n  - { id: b, kind: absence }\n  - { id: c, kind: threshold, metric: shed-temp-c, above: 60, durationS: -5 }\n",
      "rules[2].durationS",
      -5,
      "must be >= 0",
    ],
    [
      "unknown rule kind",
      "rules:\n  - { id: a, kind: heat }\n",
      "rules[0].kind",
      "heat",
      "must be one of threshold",
    ],
    [
      "misspelt key",
      "rules:\n  - { id: a, kind: absence, factr: 3 }\n",
      "rules[0].factr",
      3,
      "not a known key",
    ],
    [
      "missing metric",
      "rules:\n  - { id: a, kind: threshold, above: 3 }\n",
      "rules[0].metric",
      undefined,
      "is required",
    ],
    [
      "threshold without a limit",
      "rules:\n  - { id: a, kind: threshold, metric: battery-mv }\n",
      "rules[0].above",
      undefined,
      "needs above or below",
    ],
    [
      "bad severity",
      "rules:\n  - { id: a, kind: absence, severity: urgent }\n",
      "rules[0].severity",
      "urgent",
      'must be one of "critical"',
    ],
    [
      "duplicate rule id",
      "rules:\n  - { id: a, kind: absence }\n  - { id: a, kind: aggregate }\n",
      "rules[1].id",
      "a",
      "repeats the id of rules[0]",
    ],
    [
      "bad device id",
      "devices:\n  - { id: 12345, kind: smoke }\n",
      "devices[0].id",
      12345,
      "must be a string",
    ],
    [
      "short device id",
      "devices:\n  - { id: abc, kind: smoke }\n",
      "devices[0].id",
      "abc",
      "8 hex digits",
    ],
    [
      "device in an unknown building",
      "buildings: [{ id: b1 }]\ndevices:\n  - { id: 0000a001, kind: smoke, building: b9 }\n",
      "devices[0].building",
      "b9",
      "known: b1",
    ],
    [
      "smoke detector in a shed",
      "sheds: [{ id: s }]\ndevices:\n  - { id: 0000a001, kind: smoke, shed: s }\n",
      "devices[0].shed",
      "s",
      "only chargers",
    ],
    [
      "time of day",
      "rules:\n  - { id: w, kind: inactivity, windows: [{ from: '7:00', to: '21:00', maxIdleS: 3600 }] }\n",
      "rules[0].windows[0].from",
      "7:00",
      "HH:MM",
    ],
    [
      "external broker without url",
      "mqtt: { mode: external }\n",
      "mqtt.url",
      undefined,
      "required when mode is external",
    ],
    [
      "escalation to an unknown channel",
      "escalation:\n  - { id: e, levels: [{ afterS: 60, notify: [pager] }] }\n",
      "escalation[0].levels[0].notify[0]",
      "pager",
      "not a notification channel",
    ],
    [
      "escalation levels out of order",
      "escalation:\n  - { id: e, levels: [{ afterS: 600 }, { afterS: 60 }] }\n",
      "escalation[0].levels[1].afterS",
      60,
      "greater than the level before",
    ],
    ["port out of range", "http: { port: 70000 }\n", "http.port", 70000, "must be <= 65535"],
    [
      "a rate limit of nothing",
      "ingest: { rateLimit: { perSecond: 0 } }\n",
      "ingest.rateLimit.perSecond",
      0,
      "must be > 0",
    ],
    [
      "a merge window of seconds",
      "ingest: { mergeWindowMs: 5000 }\n",
      "ingest.mergeWindowMs",
      5000,
      "must be <= 1000",
    ],
    [
      "odd baud rate",
      "serial: [{ name: a, path: /dev/ttyUSB0, baud: 9601 }]\n",
      "serial[0].baud",
      9601,
      "must be one of",
    ],
    [
      "interlink on charger events",
      "rules:\n  - { id: x, kind: device-event, on: [charger-cut], alarm: port-overload, interlink: {} }\n",
      "rules[0].interlink",
      { soundDurationS: 300 },
      "needs a smoke event",
    ],
  ];

  it.each(cases)("rejects %s naming the path and the value", (_name, yaml, path, value, words) => {
    const errors = errorsOf(base + yaml);
    const e = errors.find((x) => x.path === path);
    expect(e, JSON.stringify(errors)).toBeDefined();
    expect(e!.value).toEqual(value);
    expect(e!.message).toContain(path);
    expect(e!.message).toContain(words);
    if (value !== undefined && typeof value !== "object")
      expect(e!.message).toContain(String(value));
  });

  it("gives the YAML line of an error", () => {
    const errors = errorsOf(`${base}rules:\n  - id: a\n    kind: absence\n    factor: 99\n`);
    expect(errors[0]).toMatchObject({ path: "rules[0].factor", value: 99, line: 6 });
    expect(formatConfigErrors(errors, "site.yaml")).toMatch(
      /^site\.yaml:6: rules\[0\]\.factor: must be <= 10 \(got 99\)/,
    );
  });

  it("reports every error of a file at once", () => {
    const errors = errorsOf("gateway: 5\nhttp: { port: 0 }\n");
    expect(errors.map((e) => e.path).sort()).toEqual(["gateway", "http.port", "site"]);
  });

  it("never echoes a password or a key", () => {
    const errors = errorsOf(
      `${base}cloud: { url: "mqtt://x", password: 12345678, commandKey: "zz-secret" }\n`,
    );
    expect(errors.map((e) => e.path).sort()).toEqual(["cloud.commandKey", "cloud.password"]);
    for (const e of errors) {
      expect(e.message).toContain("<redacted>");
      expect(e.message).not.toContain("12345678");
      expect(e.message).not.toContain("zz-secret");
    }
  });

  it("names the line of a YAML syntax error", () => {
    const errors = errorsOf("site: s1\ngateway: [gw\nrules: []\n");
    expect(errors[0]!.message).toMatch(/YAML syntax error at line \d+, column \d+/);
    expect(errors[0]!.line).toBeGreaterThan(0);
  });

  it("rejects repeated keys and a file that is not a mapping", () => {
    expect(errorsOf("site: a\nsite: b\ngateway: g\n")[0]!.message).toMatch(/unique/);
    expect(errorsOf("- a\n- b\n")[0]!.message).toMatch(/must be a mapping/);
  });

  it("says which file it could not read", () => {
    const r = loadSiteConfig(join(dir.path, "missing.yaml"));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]!.message).toMatch(/cannot read config file .*missing\.yaml: ENOENT/);
  });

  it("resolves file paths against the config folder and checks they exist", () => {
    const site = join(dir.path, "site-a");
    mkdirSync(join(site, "secrets"), { recursive: true });
    writeFileSync(join(site, "secrets", "ca.pem"), "x");
    const path = join(site, "site.yaml");
    writeFileSync(
      path,
      `${base}database: db/gw.db\ncloud:\n  url: mqtts://cloud:8883\n  tls: { ca: secrets/ca.pem, cert: secrets/c.pem, key: secrets/k.pem }\n`,
    );
    const r = loadSiteConfig(path);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual(["cloud.tls.cert", "cloud.tls.key"]);
    expect(r.errors[0]!.message).toContain(join(site, "secrets/c.pem"));
    writeFileSync(join(site, "secrets", "c.pem"), "x");
    writeFileSync(join(site, "secrets", "k.pem"), "x");
    const ok = loadSiteConfig(path);
    if (!ok.ok) throw new Error(formatConfigErrors(ok.errors));
    expect(ok.config.database).toBe(join(site, "db/gw.db"));
    expect(ok.config.cloud?.tls?.ca).toBe(join(site, "secrets/ca.pem"));
  });
});

describe("install password", () => {
  it("verifies the password it hashed and nothing else, and the schema accepts the hash", () => {
    const hash = hashInstallPassword("correct horse");
    expect(verifyInstallPassword("correct horse", hash)).toBe(true);
    expect(verifyInstallPassword("correct hors", hash)).toBe(false);
    expect(verifyInstallPassword("correct horse", "scrypt$1$1$1$$")).toBe(false);
    const r = loadSiteConfig({ text: `${base}http: { installPasswordHash: "${hash}" }\n` });
    expect(r.ok).toBe(true);
    expect(errorsOf(`${base}http: { installPasswordHash: "hunter2" }\n`)[0]!.message).toContain(
      "<redacted>",
    );
  });
});
