/**
 * The systemd unit that runs the gateway on a Raspberry Pi
 * (`haitang gateway --config site.yaml --service-unit`): the same command
 * with absolute paths, restarted when it stops, reloaded by SIGHUP, and the
 * environment the gateway is measured in (SERVICE_ENVIRONMENT).
 *
 * The environment has to come from the unit: glibc reads MALLOC_ARENA_MAX when
 * the process starts, before any of the gateway's code runs. With glibc's
 * default, every thread that allocates (the commit worker, V8's helper
 * threads, libuv's pool that reads the modules at start-up) gets an arena of
 * its own and keeps what it once used: 16 MB at 10,000 devices. With 2 the main
 * thread keeps its arena and the other threads share one (10 MB less at the
 * same latency; with 1 every thread waits on the main thread's lock and alarm
 * latency suffers, gateway/README.md).
 */

/** What the service sets before the gateway starts (the e2e bench runs it the same way). */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
};

export interface ServiceUnitOptions {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of bin/haitang.js. */
  bin: string;
  /** Absolute path of the site file. */
  config: string;
  site: string;
  gateway: string;
  /** The account it runs as (needs the serial lines: group dialout). */
  user: string;
  /** Optional file of more environment (HAITANG_INSTALL_PASSWORD when the site has no hash). */
  environmentFile: string;
}

/**
 * One word of ExecStart: % and $ doubled (systemd's specifiers and variables), and
 * in double quotes with its backslashes and double quotes escaped when it has anything but
 * plain path characters.
 */
function word(s: string): string {
  const t = s.replace(/[%$]/g, (c) => c + c);
  return /^[A-Za-z0-9_@%$+=:,./-]+$/.test(t) ? t : `"${t.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function serviceUnit(o: ServiceUnitOptions): string {
  const env = Object.entries(SERVICE_ENVIRONMENT).map(([k, v]) => `Environment=${k}=${v}`);
  return `${[
    "[Unit]",
    `Description=Haitang gateway ${o.gateway} (site ${o.site})`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `User=${o.user}`,
    "SupplementaryGroups=dialout",
    `ExecStart=${[o.node, o.bin, "gateway", "--config", o.config].map(word).join(" ")}`,
    "ExecReload=/bin/kill -HUP $MAINPID",
    ...env,
    `EnvironmentFile=-${o.environmentFile}`,
    // SIGTERM: the gateway finishes its commits and closes its connections.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30",
    "Restart=always",
    "RestartSec=2",
    "NoNewPrivileges=true",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n")}\n`;
}
