/**
 * `haitang gateway --config site.yaml`: runs the compound gateway until
 * SIGTERM/SIGINT. A bad config file is reported with the path and value of
 * each error (exit 2). SIGHUP or a change of the file reloads it; an invalid
 * reload is rejected and the last good config keeps running.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { collectGarbage } from "../../common/collect-garbage.js";
import { createLogger } from "../../common/log.js";
import { repoRoot } from "../../common/paths.js";
import {
  ConfigReloader,
  formatConfigErrors,
  loadSiteConfig,
  verifyInstallPassword,
} from "../../gateway/config/index.js";
import { applyHeapLimits } from "../../gateway/heap-limits.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { GatewayService } from "../../gateway/service.js";
import { serviceUnit } from "../../gateway/service-unit.js";

const HELP = `usage: haitang gateway --config site.yaml [options]

Runs the compound gateway: serial and MQTT ingest, verification, de-duplication,
local rules, the durable outbox and the cloud uplink, the admin API and metrics.

options:
  -c, --config FILE         site YAML (see gateway/config/README.md)
      --install-password PW password of the admin API when the config has no
                            http.installPasswordHash (or env HAITANG_INSTALL_PASSWORD)
      --no-watch            do not reload when the config file changes (SIGHUP still does)
      --check               validate the config and exit (0 when valid, 2 with the errors)
      --service-unit        print a systemd unit that runs this gateway with this config
                            (and the environment it is measured in: MALLOC_ARENA_MAX=2)
      --user NAME           the account of --service-unit (default: the current user)
  -h, --help                this text

signals: SIGHUP reloads the config; SIGTERM / SIGINT stop gracefully.
`;

function plainCheck(expected: string): (p: string) => boolean {
  const e = Buffer.from(expected);
  return (p) => {
    const g = Buffer.from(p);
    return g.length === e.length && timingSafeEqual(g, e);
  };
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`haitang gateway: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const path = args.values.config;
  if (!path) {
    process.stderr.write(`haitang gateway: --config is required\n\n${HELP}`);
    return 2;
  }
  if (args.values["service-unit"]) {
    const r = loadSiteConfig(path);
    if (!r.ok) {
      process.stderr.write(
        `haitang gateway: invalid config ${path}\n${formatConfigErrors(r.errors, path)}\n`,
      );
      return 2;
    }
    process.stdout.write(
      serviceUnit({
        node: process.execPath,
        bin: join(repoRoot(), "bin", "haitang.js"),
        config: resolve(path),
        site: r.config.site,
        gateway: r.config.gateway,
        user: args.values.user ?? userInfo().username,
        environmentFile: "/etc/default/haitang-gateway",
      }),
    );
    return 0;
  }
  if (args.values.check) {
    const r = loadSiteConfig(path);
    if (!r.ok) {
      process.stderr.write(
        `haitang gateway: invalid config ${path}\n${formatConfigErrors(r.errors, path)}\n`,
      );
      return 2;
    }
    const c = r.config;
    process.stdout.write(
      `${path}: ok (site ${c.site}, gateway ${c.gateway}, ${c.rules.length} rules, ${c.devices.length} devices)\n`,
    );
    return 0;
  }
  // Before the site is loaded: loading 10,000 devices would grow the young generation to 32 MB.
  applyHeapLimits();
  const log = createLogger("gateway");
  let service: GatewayService | undefined;
  const reloader = new ConfigReloader({
    path,
    watch: !args.values["no-watch"],
    logger: log.child("config"),
    onChange: (c) => {
      if (c.restartRequired.length > 0)
        log.warn("config sections changed that apply only after a restart", {
          sections: c.restartRequired,
        });
      service?.applyConfig(c.config);
    },
    onRejected: () => service?.noteRejectedReload(),
  });
  const loaded = reloader.start();
  if (!loaded.ok) {
    process.stderr.write(
      `haitang gateway: invalid config ${path}\n${formatConfigErrors(loaded.errors, path)}\n`,
    );
    return 2;
  }
  const config = loaded.config;
  const hash = config.http.installPasswordHash;
  let password = args.values["install-password"] ?? process.env.HAITANG_INSTALL_PASSWORD;
  if (!hash && !password) {
    password = randomBytes(9).toString("base64url");
    process.stderr.write(
      `haitang gateway: no http.installPasswordHash in ${path}; install password for this run: ${password}\n`,
    );
  }
  const auth = new InstallAuth(
    hash ? (p) => verifyInstallPassword(p, hash) : plainCheck(password ?? ""),
  );
  service = new GatewayService({
    config,
    auth,
    log,
    version: packageVersion(),
    // An operator's update-config: validated, written atomically, then applied through onChange.
    applyConfigText: (yaml) => reloader.applyText(yaml),
  });
  try {
    await service.start();
  } catch (err) {
    reloader.stop();
    process.stderr.write(`haitang gateway: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  const s = service;
  // Start-up garbage (the parsed site file above all) goes now, not at the first pressure.
  collectGarbage();
  process.stdout.write(
    `${JSON.stringify({ event: "ready", site: config.site, gateway: config.gateway, http: s.httpPort(), mqtt: s.mqttPort() })}\n`,
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("stopping", { signal });
      reloader.stop();
      s.stop().then(
        () => resolve(0),
        (err) => {
          log.error("stop failed", { error: String(err) });
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", () => {
      log.info("SIGHUP: reloading config", { path });
      reloader.reload();
    });
  });
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      "install-password": { type: "string" },
      "no-watch": { type: "boolean" },
      check: { type: "boolean" },
      "service-unit": { type: "boolean" },
      user: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}
