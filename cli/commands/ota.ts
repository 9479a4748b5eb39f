/**
 * `haitang ota`: firmware-update campaigns through the gateway's admin API
 * (gateway/http/api-ota.ts).
 *   start --kind K --version V [--board B] [--building B] [--from V] [--config FILE]
 *         [--image FILE | --package FILE...] [--min-version V] [--force] [--canary N]
 *         [--max-failures SHARE] [--id ID]
 *   list | status ID | pause ID | resume ID | abort ID
 * Without --image or --package, start builds the release image here (the
 * image `haitang flash` builds, with a placeholder identity the gateway
 * replaces by each device's id and key).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { findBoard } from "../../firmware/build/boards.js";
import { PLACEHOLDER_ID, PLACEHOLDER_KEY } from "../../firmware/build/identity-swap.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { firmwareBuilder } from "../../installer/firmware-builder.js";
import { deviceConfigFor, loadInstallConfig } from "../../installer/install-config.js";
import { gatewayRequest } from "../gateway-request.js";

const HELP = `usage: haitang ota <action> [CAMPAIGN] [options]

actions:
  start                     start a campaign for the devices that match (canary first, then stages)
  list                      campaigns and their counts
  status ID                 one campaign, device by device
  pause ID | resume ID      hold or continue a campaign (it also pauses by itself on failures)
  abort ID                  end a campaign; devices mid-transfer drop what they received

start options:
      --kind K              smoke | charger | guardian (required)
      --version V           the version to install, e.g. 1.2.0 (required with a release)
      --board NAME          only devices of this board (and the board the release is built for)
      --building B          only devices of this building
      --from V              only devices that run version V now
      --config FILE         device settings for the release build (as for haitang flash)
      --image FILE          a release image built with the placeholder identity, instead of building
      --package FILE        per-device package files (JSON, firmware/build/ota-package.ts); repeatable
      --min-version V       devices below V refuse the update (default 0.0.0)
      --force               allow a downgrade (signed into the manifest)
      --canary N            devices in the first stage (default 2)
      --max-failures SHARE  pause by itself when this share of ended devices failed (default 0.2)
      --id ID               campaign id (default ota-KIND-VERSION-TIME)

options:
  -g, --gateway URL         gateway HTTP address (default http://127.0.0.1:8080)
  -p, --password PW         install password (default: env HAITANG_INSTALL_PASSWORD)
      --json                print the API's JSON answer
  -h, --help                this text
`;

const ACTIONS = ["start", "list", "status", "pause", "resume", "abort"];
const KINDS: DeviceKind[] = ["smoke", "charger", "guardian"];

interface DeviceProgressView {
  deviceId: number;
  stage: number;
  state: string;
  percent: number;
  reason?: string;
}

interface CampaignView {
  id: string;
  version: string;
  status: string;
  why?: string;
  stage: number;
  selector: Record<string, string>;
  counts: Record<string, number>;
  held: { deviceId: number; why: string }[];
  devices: DeviceProgressView[];
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      gateway: { type: "string", short: "g" },
      password: { type: "string", short: "p" },
      kind: { type: "string" },
      version: { type: "string" },
      board: { type: "string" },
      building: { type: "string" },
      from: { type: "string" },
      config: { type: "string" },
      image: { type: "string" },
      package: { type: "string", multiple: true },
      "min-version": { type: "string" },
      force: { type: "boolean" },
      canary: { type: "string" },
      "max-failures": { type: "string" },
      id: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

type Values = ReturnType<typeof parse>["values"];

class UsageError extends Error {}

async function startBody(v: Values): Promise<Record<string, unknown>> {
  const kind = v.kind as DeviceKind | undefined;
  if (!kind || !KINDS.includes(kind))
    throw new UsageError("--kind smoke|charger|guardian is required");
  const body: Record<string, unknown> = { kind };
  if (v.board) body.board = findBoard(v.board)?.name ?? v.board;
  if (v.building) body.building = v.building;
  if (v.from) body.fromVersion = v.from;
  if (v.id) body.id = v.id;
  const rules: Record<string, unknown> = {};
  if (v.canary !== undefined) rules.canary = Number(v.canary);
  if (v["max-failures"] !== undefined) rules.maxFailureShare = Number(v["max-failures"]);
  if (Object.keys(rules).length > 0) body.rules = rules;
  if (v.package?.length) {
    body.packages = v.package.flatMap((f) => {
      const data = JSON.parse(readFileSync(f, "utf8")) as unknown;
      return Array.isArray(data) ? data : [data];
    });
    return body;
  }
  if (!v.version) throw new UsageError("--version is required (or give --package files)");
  let image: string;
  if (v.image) image = readFileSync(v.image, "latin1");
  else {
    const board = v.board ? findBoard(v.board) : undefined;
    if (!board) throw new UsageError("--board is required to build the release image");
    const device = deviceConfigFor(
      kind,
      board,
      { deviceId: PLACEHOLDER_ID, keyHex: PLACEHOLDER_KEY },
      v.config ? loadInstallConfig(v.config) : {},
    );
    process.stderr.write(`building the ${kind} release ${v.version} for ${board.name}...\n`);
    image = (await firmwareBuilder({ version: v.version })({ kind, board: board.name, device }))
      .code;
  }
  body.release = {
    version: v.version,
    image,
    ...(v["min-version"] ? { minVersion: v["min-version"] } : {}),
    ...(v.force ? { force: true } : {}),
  };
  return body;
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`haitang ota: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v = args.values;
  const [action, id] = args.positionals;
  if (v.help || !action) {
    process.stdout.write(HELP);
    return v.help ? 0 : 2;
  }
  if (!ACTIONS.includes(action)) {
    process.stderr.write(`haitang ota: unknown action '${action}'\n\n${HELP}`);
    return 2;
  }
  if (!["start", "list"].includes(action) && !id) {
    process.stderr.write(`haitang ota ${action}: a campaign id is required\n`);
    return 2;
  }
  let method = "POST";
  let path = `/api/ota/campaigns/${encodeURIComponent(id ?? "")}/${action}`;
  let body: Record<string, unknown> | undefined;
  if (action === "list" || action === "status") {
    method = "GET";
    path =
      action === "list" ? "/api/ota/campaigns" : `/api/ota/campaigns/${encodeURIComponent(id!)}`;
  }
  if (action === "start") {
    path = "/api/ota/campaigns";
    try {
      body = await startBody(v);
    } catch (err) {
      process.stderr.write(`haitang ota start: ${(err as Error).message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
  }
  const r = await gatewayRequest({
    command: `ota ${action}`,
    gateway: v.gateway,
    password: v.password,
    method,
    path,
    body,
  });
  if (!r) return 1;
  const answer = r.answer;
  const refused = (answer.refused ?? []) as { deviceId: number; code: string; why: string }[];
  const refusedText = refused.map((x) => `refused ${hex(x.deviceId)}: ${x.code}: ${x.why}`);
  if (!r.ok) {
    process.stderr.write(refusedText.map((l) => `${l}\n`).join(""));
    return 1;
  }
  if (v.json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  if (action === "list") {
    const cs = (answer.campaigns ?? []) as CampaignView[];
    process.stdout.write(`${cs.length === 0 ? "no campaigns" : cs.map(summary).join("\n")}\n`);
    return 0;
  }
  const c = answer.campaign as CampaignView;
  const lines = [summary(c)];
  if (action === "status") lines.push(...deviceLines(c));
  lines.push(...refusedText);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

function hex(id: number): string {
  return (id >>> 0).toString(16).padStart(8, "0");
}

function summary(c: CampaignView): string {
  const counts = Object.entries(c.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const sel = Object.entries(c.selector)
    .map(([k, x]) => `${k}=${x}`)
    .join(" ");
  return `${c.id}  ${c.version}  ${c.status}${c.why ? ` (${c.why})` : ""}  stage ${c.stage}  [${sel}]  ${counts}`;
}

function deviceLines(c: CampaignView): string[] {
  const held = new Map(c.held.map((h) => [h.deviceId, h.why]));
  return c.devices.map((d) => {
    const state = d.state === "transferring" ? `transferring ${d.percent} %` : d.state;
    const extra = d.reason ?? (held.has(d.deviceId) ? `held: ${held.get(d.deviceId)}` : "");
    return `  ${hex(d.deviceId)}  stage ${d.stage}  ${state}${extra ? `  ${extra}` : ""}`;
  });
}
