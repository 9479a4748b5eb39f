/** `haitang bridge --config cloud.yaml`: the cloud bridge (cloud-bridge/README.md). */
import { parseArgs } from "node:util";

const HELP = `usage: haitang bridge --config <cloud.yaml> [--instance <id>] [--port <n>] [--check]

Runs the cloud bridge: MQTT shared subscription -> InfluxDB, alarm webhooks,
fleet HTTP API. Several instances may share one broker; give each its own
--instance (its MQTT client id, stable across restarts).

options:
  --config <file>    cloud.yaml (reference: cloud-bridge/README.md, example:
                     cloud-bridge/examples/cloud.yaml)
  --instance <id>    instance name (overrides 'instance' in the config)
  --port <n>         HTTP port (overrides http.port)
  --check            validate the config and exit
  -h, --help         this text
`;

export async function run(argv: string[]): Promise<number> {
  let values: {
    config?: string;
    instance?: string;
    port?: string;
    check?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        instance: { type: "string" },
        port: { type: "string" },
        check: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(
      `haitang bridge: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`,
    );
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`haitang bridge: --config is required\n\n${HELP}`);
    return 2;
  }
  const { loadConfigFile } = await import("../../cloud-bridge/config/load.js");
  const loaded = loadConfigFile(values.config);
  if (!loaded.ok) {
    process.stderr.write(
      `haitang bridge: invalid config\n${loaded.errors.map((e) => `  ${e}`).join("\n")}\n`,
    );
    return 1;
  }
  const config = loaded.config;
  if (values.instance) config.instance = values.instance;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`haitang bridge: --port must be 0-65535 (got ${values.port})\n`);
      return 2;
    }
    config.http.port = port;
  }
  if (values.check) {
    process.stdout.write(`${values.config}: ok (${Object.keys(config.sites).length} sites)\n`);
    return 0;
  }
  const { CloudBridge } = await import("../../cloud-bridge/bridge.js");
  const bridge = new CloudBridge(config);
  await bridge.start();
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  await bridge.stop();
  return 0;
}
