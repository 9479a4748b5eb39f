/**
 * The gateway's device API over HTTP (gateway/http/api-devices.ts,
 * api-site.ts): install password as `Authorization: Bearer`, the event
 * stream with `?token=` (EventSource cannot send headers; we could, but the
 * gateway documents the token for /api/events).
 */
import { deviceIdHex } from "../protocol/uplink.js";
import type { CommissioningReport } from "./commissioning-report.js";
import { FlashError } from "./flash-error.js";
import type {
  AcceptedFrame,
  DeviceRegistration,
  DeviceWatch,
  GatewayApi,
  GatewayDevice,
  IssuedGroup,
} from "./gateway-api.js";
import { subscribeSse } from "./sse-stream.js";

export interface GatewayClientOptions {
  url: string;
  password: string;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
}

export class HttpGatewayClient implements GatewayApi {
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: GatewayClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  private unreachable(detail: string): FlashError {
    return new FlashError(
      "gateway-unreachable",
      `cannot reach the gateway at ${this.url}: ${detail}`,
      "Check that the gateway is running (`haitang gateway`), that this machine is on its " +
        "network and that --gateway names it (e.g. http://192.168.1.2:8080), then run the " +
        "same command again. Nothing was registered.",
    );
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.password}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw this.unreachable(cause?.code ?? cause?.message ?? (err as Error).message);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { error: text.slice(0, 200) };
    }
    if (res.status === 401) {
      throw new FlashError(
        "gateway-rejected",
        `the gateway at ${this.url} refused the install password`,
        "Pass the site's install password with --password (or HAITANG_INSTALL_PASSWORD).",
      );
    }
    return { status: res.status, json };
  }

  private rejected(what: string, r: { status: number; json: Record<string, unknown> }): FlashError {
    return new FlashError(
      "gateway-rejected",
      `the gateway refused to ${what}: ${r.status} ${String(r.json.error ?? "")}`.trim(),
      "Read the gateway's reason above; fix the named field or the gateway's state and run again.",
    );
  }

  async probe(): Promise<void> {
    const health = await this.request("GET", "/api/health");
    if (health.status !== 200) throw this.unreachable(`/api/health answered ${health.status}`);
    // An authenticated read: a wrong password is found before the board is touched.
    await this.request("GET", "/api/pending");
  }

  async getDevice(deviceId: number): Promise<GatewayDevice | undefined> {
    const r = await this.request("GET", `/api/devices/${deviceIdHex(deviceId)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw this.rejected(`show device ${deviceIdHex(deviceId)}`, r);
    const d = r.json.device as Record<string, unknown>;
    const out: GatewayDevice = { deviceId, kind: String(d.kind), status: String(d.status) };
    if (typeof d.building === "string") out.building = d.building;
    if (typeof d.location === "string") out.location = d.location;
    if (typeof d.shed === "string") out.shed = d.shed;
    if (typeof d.lastSeen === "number") out.lastSeen = d.lastSeen;
    if (typeof d.lastRssi === "number") out.lastRssi = d.lastRssi;
    if (typeof d.lastReceiver === "string") out.lastReceiver = d.lastReceiver;
    return out;
  }

  async register(reg: DeviceRegistration): Promise<void> {
    const body: Record<string, unknown> = {
      id: deviceIdHex(reg.deviceId),
      kind: reg.kind,
      key: reg.keyHex,
      location: reg.location,
      heartbeatS: reg.heartbeatS,
      sleepy: reg.sleepy,
      board: reg.board,
      firmware: reg.firmware,
    };
    if (reg.building !== undefined) body.building = reg.building;
    if (reg.shed !== undefined) body.shed = reg.shed;
    if (reg.groupEpoch !== undefined) body.groupEpoch = reg.groupEpoch;
    const r = await this.request("POST", "/api/devices", body);
    if (r.status !== 201) throw this.rejected(`register ${deviceIdHex(reg.deviceId)}`, r);
  }

  async buildingGroup(building: string): Promise<IssuedGroup | undefined> {
    const r = await this.request("GET", `/api/buildings/${encodeURIComponent(building)}/group`);
    if (r.status !== 200) throw this.rejected(`issue the group key of building ${building}`, r);
    const g = r.json.group as Record<string, unknown> | null | undefined;
    if (!g) return undefined;
    if (
      typeof g.epoch !== "number" ||
      typeof g.id !== "number" ||
      typeof g.key !== "string" ||
      !/^[0-9a-f]{32}$/i.test(g.key)
    )
      throw this.rejected(`issue the group key of building ${building}`, {
        status: r.status,
        json: { error: "malformed group in the answer" },
      });
    return { building, epoch: g.epoch, id: g.id, key: g.key };
  }

  async watchDevice(deviceId: number): Promise<DeviceWatch> {
    const buffered: AcceptedFrame[] = [];
    let wake: (() => void) | undefined;
    const url = `${this.url}/api/events?token=${encodeURIComponent(this.opts.password)}`;
    const sub = subscribeSse(
      url,
      {},
      (e) => {
        if (e.event !== "accepted") return;
        const f = parseAccepted(e.data);
        if (f && f.deviceId === deviceId) {
          buffered.push(f);
          wake?.();
        }
      },
      () => wake?.(),
    );
    try {
      await sub.ready;
    } catch (err) {
      throw this.unreachable(`event stream: ${(err as Error).message}`);
    }
    return {
      next: async (pred, timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const i = buffered.findIndex(pred);
          if (i >= 0) return buffered.splice(i, 1)[0];
          const left = deadline - Date.now();
          if (left <= 0) return undefined;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, left);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      },
      close: () => sub.close(),
    };
  }

  async requestSelfTest(deviceId: number): Promise<void> {
    const r = await this.request("POST", `/api/devices/${deviceIdHex(deviceId)}/self-test`);
    if (r.status !== 202) throw this.rejected(`queue a self-test for ${deviceIdHex(deviceId)}`, r);
  }

  async replace(oldId: number, newId: number, keyHex: string): Promise<void> {
    const r = await this.request("POST", `/api/devices/${deviceIdHex(oldId)}/replace`, {
      newId: deviceIdHex(newId),
      key: keyHex,
    });
    if (r.status !== 200) throw this.rejected(`replace ${deviceIdHex(oldId)}`, r);
  }

  /** Deletes the registration and its key (DELETE); an older gateway only decommissions. */
  async unregister(deviceId: number): Promise<void> {
    const path = `/api/devices/${deviceIdHex(deviceId)}`;
    const r = await this.request("DELETE", path);
    if (r.status === 200 || r.status === 404) return;
    if (r.status !== 405) throw this.rejected(`remove ${deviceIdHex(deviceId)}`, r);
    const d = await this.request("POST", `${path}/decommission`);
    if (d.status !== 200) throw this.rejected(`decommission ${deviceIdHex(deviceId)}`, d);
  }

  async postReport(report: CommissioningReport): Promise<void> {
    const r = await this.request("POST", "/api/reports", report);
    if (r.status !== 201) throw this.rejected("store the commissioning report", r);
  }
}

/** The gateway's `accepted` event: AcceptedMessage with the id as 8 hex digits. */
export function parseAccepted(data: string): AcceptedFrame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  const id = typeof o.deviceId === "string" ? Number.parseInt(o.deviceId, 16) : Number(o.deviceId);
  const msg = o.msg as AcceptedFrame["msg"] | undefined;
  if (!Number.isFinite(id) || !msg || typeof msg.type !== "string") return undefined;
  const receivers = Array.isArray(o.receivers)
    ? (o.receivers as Array<Record<string, unknown>>).map((r) => ({
        receiver: String(r.receiver),
        ...(typeof r.rssi === "number" ? { rssi: r.rssi } : {}),
      }))
    : [];
  return {
    deviceId: id >>> 0,
    msg,
    receivedAt: typeof o.receivedAt === "number" ? o.receivedAt : Date.now(),
    receivers,
  };
}
