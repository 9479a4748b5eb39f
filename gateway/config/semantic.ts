/**
 * Checks the schema cannot express: unique ids, references between sections
 * (a device's building, a shed's building, an escalation's channels), and
 * combinations of keys. Runs after schema validation on a typed SiteConfig.
 */
import { type ConfigError, configError, type PathSegment } from "./errors.js";
import type { SiteConfig } from "./site-config.js";

const SMOKE_EVENTS = new Set([
  "smoke-alarm",
  "smoke-clear",
  "smoke-hush",
  "self-test-ok",
  "self-test-fail",
  "smoke-fault",
  "tamper",
  "tamper-clear",
  "low-battery",
  "end-of-life",
]);

function uniqueIds(
  errors: ConfigError[],
  section: string,
  items: readonly { id: string }[],
  normalise: (id: string) => string = (id) => id,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = normalise(item.id);
    const first = seen.get(k);
    if (first !== undefined) {
      errors.push(
        configError([section, i, "id"], item.id, `repeats the id of ${section}[${first}]`),
      );
    } else seen.set(k, i);
  });
}

function exists(
  errors: ConfigError[],
  path: PathSegment[],
  value: string | undefined,
  known: Set<string>,
  what: string,
): void {
  if (value !== undefined && !known.has(value)) {
    const list = known.size ? [...known].join(", ") : "none are configured";
    errors.push(configError(path, value, `is not a ${what} of this site (known: ${list})`));
  }
}

export function checkSemantics(c: SiteConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  uniqueIds(errors, "buildings", c.buildings);
  uniqueIds(errors, "sheds", c.sheds);
  uniqueIds(errors, "devices", c.devices, (id) => id.toLowerCase());
  uniqueIds(errors, "rules", c.rules);
  uniqueIds(errors, "notifications", c.notifications);
  uniqueIds(errors, "escalation", c.escalation);
  uniqueIds(
    errors,
    "serial",
    c.serial.map((s) => ({ id: s.name })),
  );
  const buildings = new Set(c.buildings.map((b) => b.id));
  const sheds = new Set(c.sheds.map((s) => s.id));
  const channels = new Set(c.notifications.map((n) => n.id));

  if (c.mqtt.mode === "external" && !c.mqtt.url) {
    errors.push(configError(["mqtt", "url"], undefined, "is required when mode is external"));
  }
  if (c.cloud) {
    const cl = c.cloud;
    if (cl.commandKey && cl.commandKeyFile) {
      errors.push(
        configError(
          ["cloud", "commandKeyFile"],
          cl.commandKeyFile,
          "give commandKey or commandKeyFile, not both",
        ),
      );
    }
    if (cl.password !== undefined && cl.passwordFile) {
      errors.push(
        configError(
          ["cloud", "passwordFile"],
          cl.passwordFile,
          "give password or passwordFile, not both",
        ),
      );
    }
    if (cl.reconnectMinMs > cl.reconnectMaxMs) {
      errors.push(
        configError(
          ["cloud", "reconnectMinMs"],
          cl.reconnectMinMs,
          `must not exceed reconnectMaxMs (${cl.reconnectMaxMs})`,
        ),
      );
    }
    if (cl.tls && Boolean(cl.tls.cert) !== Boolean(cl.tls.key)) {
      const k = cl.tls.cert ? "key" : "cert";
      errors.push(
        configError(
          ["cloud", "tls", k],
          undefined,
          "is required with a client certificate (give cert and key together)",
        ),
      );
    }
  }
  c.sheds.forEach((s, i) => {
    exists(errors, ["sheds", i, "building"], s.building, buildings, "building");
  });
  c.devices.forEach((d, i) => {
    exists(errors, ["devices", i, "building"], d.building, buildings, "building");
    exists(errors, ["devices", i, "shed"], d.shed, sheds, "shed");
    if (d.shed !== undefined && d.kind !== "charger") {
      errors.push(
        configError(
          ["devices", i, "shed"],
          d.shed,
          `only chargers belong to a shed (this device is a ${d.kind})`,
        ),
      );
    }
  });
  c.rules.forEach((r, i) => {
    r.buildings?.forEach((b, j) => {
      exists(errors, ["rules", i, "buildings", j], b, buildings, "building");
    });
    r.sheds?.forEach((s, j) => {
      exists(errors, ["rules", i, "sheds", j], s, sheds, "shed");
    });
    if (r.kind === "threshold") {
      if (r.above === undefined && r.below === undefined) {
        errors.push(
          configError(["rules", i, "above"], undefined, "a threshold rule needs above or below"),
        );
      }
      if (r.above !== undefined && r.below !== undefined && r.below >= r.above) {
        errors.push(
          configError(["rules", i, "below"], r.below, `must be less than above (${r.above})`),
        );
      }
      const pl = r.plausible;
      if (pl?.min !== undefined && pl.max !== undefined && pl.min >= pl.max) {
        errors.push(
          configError(
            ["rules", i, "plausible", "min"],
            pl.min,
            `must be less than plausible.max (${pl.max})`,
          ),
        );
      }
    }
    if (r.kind === "device-event") {
      if (r.interlink && !r.on.some((e) => SMOKE_EVENTS.has(e))) {
        errors.push(
          configError(
            ["rules", i, "interlink"],
            r.interlink,
            "interlink needs a smoke event in on",
          ),
        );
      }
      if (r.reasons && !r.on.some((e) => !SMOKE_EVENTS.has(e))) {
        errors.push(
          configError(["rules", i, "reasons"], r.reasons, "reasons apply to charger events only"),
        );
      }
      if (!r.alarm && !r.notify) {
        errors.push(
          configError(
            ["rules", i, "alarm"],
            undefined,
            "a device-event rule needs an alarm or notify: true",
          ),
        );
      }
      r.clearOn.forEach((e, j) => {
        if (r.on.includes(e)) {
          errors.push(configError(["rules", i, "clearOn", j], e, "is also in on"));
        }
      });
    }
    if (r.kind === "illegal-load" && r.stepAboveW <= r.idleW) {
      errors.push(
        configError(["rules", i, "stepAboveW"], r.stepAboveW, `must exceed idleW (${r.idleW})`),
      );
    }
    if (r.kind === "welfare") {
      const at = (path: PathSegment[], v: unknown, m: string) =>
        errors.push(configError(["rules", i, ...path], v, m));
      if (r.window.from === r.window.to) at(["window", "to"], r.window.to, "must differ from from");
      if (r.night.from === r.night.to) at(["night", "to"], r.night.to, "must differ from from");
      if (r.minIdleS > r.maxIdleS)
        at(["minIdleS"], r.minIdleS, `must not exceed maxIdleS (${r.maxIdleS})`);
      if (r.learn.earliestStart > r.learn.latestStart)
        at(
          ["learn", "latestStart"],
          r.learn.latestStart,
          `must not be before earliestStart (${r.learn.earliestStart})`,
        );
    }
    if (r.kind === "inactivity") {
      r.windows.forEach((w, j) => {
        if (w.from === w.to) {
          errors.push(configError(["rules", i, "windows", j, "to"], w.to, "must differ from from"));
        }
      });
    }
  });
  c.notifications.forEach((n, i) => {
    if (n.type === "webhook" && !n.url) {
      errors.push(configError(["notifications", i, "url"], undefined, "is required for a webhook"));
    }
    if (n.type === "mqtt" && !n.topic) {
      errors.push(
        configError(["notifications", i, "topic"], undefined, "is required for an mqtt channel"),
      );
    }
  });
  c.escalation.forEach((p, i) => {
    let last = 0;
    p.levels.forEach((l, j) => {
      if (l.afterS <= last) {
        errors.push(
          configError(
            ["escalation", i, "levels", j, "afterS"],
            l.afterS,
            `must be greater than the level before (${last})`,
          ),
        );
      }
      last = l.afterS;
      l.notify.forEach((ch, k) => {
        exists(
          errors,
          ["escalation", i, "levels", j, "notify", k],
          ch,
          channels,
          "notification channel",
        );
      });
    });
  });
  return errors;
}
