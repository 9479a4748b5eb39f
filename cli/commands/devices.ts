/**
 * `haitang devices`: the gateway's device admin API from the command line.
 *   list | pending | show ID | register ID --kind K [--key HEX] [placement]
 *   approve ID [--kind K] [--key HEX] [placement] | replace ID --new-id ID [--key HEX]
 *   decommission ID | rekey ID [--key HEX] | self-test ID | group-rekey BUILDING
 * --gateway URL (default http://127.0.0.1:8080), --password (or env
 * HAITANG_INSTALL_PASSWORD). A key the gateway generates is printed once.
 */
import { parseArgs } from "node:util";
import { gatewayRequest } from "../gateway-request.js";

const HELP = `usage: haitang devices <action> [ID] [options]

actions:
  list                      registered devices
  pending                   devices heard but not commissioned
  show ID                   one device and its waiting downlinks
  register ID --kind K      register a device (key generated unless --key)
  approve ID                commission a pending device (--kind if it cannot be guessed)
  replace ID --new-id ID2   move a device's place, alarms and history to new hardware
  decommission ID           stop accepting the device's frames
  rekey ID                  give the device a new key (generated unless --key)
  self-test ID              queue a self-test command (sleepy devices: after their next uplink)
  group-rekey BUILDING      new building group key, sent to the building's detectors (also done
                            on every decommission and rekey of one of its detectors)

options:
  -g, --gateway URL         gateway HTTP address (default http://127.0.0.1:8080)
  -p, --password PW         install password (default: env HAITANG_INSTALL_PASSWORD)
      --kind K              smoke | charger | guardian
      --key HEX             16-byte key as 32 hex digits
      --new-id ID           replacement hardware id (8 hex digits)
      --building B  --location L  --shed S  --board NAME  --firmware VER
      --json                print the API's JSON answer
  -h, --help                this text
`;

const ACTIONS = [
  "list",
  "pending",
  "show",
  "register",
  "approve",
  "replace",
  "decommission",
  "rekey",
  "self-test",
  "group-rekey",
];

interface DeviceView {
  id: string;
  kind: string;
  status: string;
  building?: string;
  location?: string;
  shed?: string;
  lastSeen?: number;
  lastReceiver?: string;
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
      key: { type: "string" },
      "new-id": { type: "string" },
      building: { type: "string" },
      location: { type: "string" },
      shed: { type: "string" },
      board: { type: "string" },
      firmware: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function ago(ms: number | undefined): string {
  if (ms === undefined) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120
    ? `${s}s ago`
    : s < 7200
      ? `${Math.round(s / 60)}m ago`
      : `${Math.round(s / 3600)}h ago`;
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`haitang devices: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v = args.values;
  const [action, id] = args.positionals;
  if (v.help || !action) {
    process.stdout.write(HELP);
    return v.help ? 0 : 2;
  }
  if (!ACTIONS.includes(action)) {
    process.stderr.write(`haitang devices: unknown action '${action}'\n\n${HELP}`);
    return 2;
  }
  const needsId = !["list", "pending"].includes(action);
  if (needsId && !id) {
    const what = action === "group-rekey" ? "a building id" : "a device id";
    process.stderr.write(`haitang devices ${action}: ${what} is required\n`);
    return 2;
  }
  const body: Record<string, unknown> = {};
  for (const k of ["kind", "key", "building", "location", "shed", "board", "firmware"] as const)
    if (v[k] !== undefined) body[k] = v[k];
  let method = "POST";
  let path: string;
  switch (action) {
    case "list":
      method = "GET";
      path = "/api/devices";
      break;
    case "pending":
      method = "GET";
      path = "/api/pending";
      break;
    case "show":
      method = "GET";
      path = `/api/devices/${id}`;
      break;
    case "register":
      path = "/api/devices";
      body.id = id;
      break;
    case "replace":
      if (!v["new-id"]) {
        process.stderr.write("haitang devices replace: --new-id is required\n");
        return 2;
      }
      path = `/api/devices/${id}/replace`;
      body.newId = v["new-id"];
      break;
    case "group-rekey":
      path = `/api/buildings/${encodeURIComponent(id!)}/group-rekey`;
      break;
    default:
      path = `/api/devices/${id}/${action}`;
  }
  const r = await gatewayRequest({
    command: `devices ${action}`,
    gateway: v.gateway,
    password: v.password,
    method,
    path,
    body,
  });
  if (!r?.ok) return 1;
  const answer = r.answer;
  if (v.json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${render(action, answer)}\n`);
  return 0;
}

function render(action: string, a: Record<string, unknown>): string {
  if (action === "list") {
    const devices = (a.devices ?? []) as DeviceView[];
    if (devices.length === 0) return "no devices registered";
    return table([
      ["ID", "KIND", "STATUS", "BUILDING", "LOCATION/SHED", "LAST HEARD", "RECEIVER"],
      ...devices.map((d) => [
        d.id,
        d.kind,
        d.status,
        d.building ?? "-",
        d.location ?? d.shed ?? "-",
        ago(d.lastSeen),
        d.lastReceiver ?? "-",
      ]),
    ]);
  }
  if (action === "pending") {
    const p = (a.pending ?? []) as Array<{
      id: string;
      count: number;
      firstHeard: number;
      lastHeard: number;
      receivers: string[];
    }>;
    if (p.length === 0) return "no pending devices";
    return table([
      ["ID", "FRAMES", "FIRST HEARD", "LAST HEARD", "RECEIVERS"],
      ...p.map((d) => [
        d.id,
        String(d.count),
        ago(d.firstHeard),
        ago(d.lastHeard),
        d.receivers.join(","),
      ]),
    ]);
  }
  if (action === "self-test") return `self-test ${String(a.outcome)}`;
  if (action === "group-rekey")
    return `group epoch ${String(a.epoch)}: new key sent to ${String(a.sent)} detector(s); each is sounded alone until it confirms`;
  const d = a.device as DeviceView | undefined;
  const lines = d
    ? [
        `${d.id} ${d.kind} ${d.status}${d.building ? ` building ${d.building}` : ""}${d.location ? ` at ${d.location}` : ""}${d.shed ? ` shed ${d.shed}` : ""}`,
      ]
    : [];
  if (typeof a.key === "string") lines.push(`key (shown once, flash it into the device): ${a.key}`);
  if (Array.isArray(a.downlinks) && a.downlinks.length)
    lines.push(`waiting downlinks: ${a.downlinks.length}`);
  return lines.join("\n");
}
