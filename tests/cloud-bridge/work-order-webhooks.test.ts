/**
 * A work order that misses its deadline reaches the next level's people: the
 * running bridge calls the webhooks `workOrders.webhooks` names for that
 * level, signed, retried after failures, and counts a dead letter when a
 * receiver refuses for good. A real HTTP receiver on a local port; the
 * bridge's clock is virtual.
 */
import { createHmac } from "node:crypto";
import type { Server } from "node:http";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import { parseConfig } from "../../cloud-bridge/config/load.js";
import {
  type Mosquitto,
  startMosquitto,
  startVictoriaMetrics,
  type VictoriaMetrics,
  waitFor,
} from "../support/services.js";
import {
  alarm,
  gatewayClient,
  makeBridge,
  publishAlarm,
  SITE_A,
  startWebhookReceiver,
  TOKEN_A,
  testConfig,
} from "./support.js";

interface Call {
  hook: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: {
    idempotencyKey: string;
    event: string;
    attempt: number;
    site: { id: string };
    workOrder: {
      id: string;
      level: number;
      escalatedTo: string;
      severity: string;
      assignee?: string;
      alarm?: { id: string };
    };
  };
}

const LEADER_SECRET = "leader-secret-0123456789";
const MIN = 60_000;
let broker: Mosquitto;
let vm: VictoriaMetrics;
let receiver: Server;
let bridge: CloudBridge;
let gw: MqttClient;
let clock = Date.now();
let calls: Call[] = [];
/** The community office's receiver fails its first two calls (500) before it answers. */
let officeFailures = 2;

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  const started = await startWebhookReceiver<Call["body"]>(({ hook }) => {
    if (hook === "refuses") return 400;
    if (hook === "office" && officeFailures > 0) {
      officeFailures--;
      return 500;
    }
    return 204;
  });
  receiver = started.server;
  calls = started.calls;
  const url = started.url;
  const retry = { initialBackoffMs: 20, maxBackoffMs: 100, maxAttempts: 5, escalationOnly: true };
  const extra = {
    webhooks: [
      { name: "leader", url: `${url}/leader`, secret: LEADER_SECRET, ...retry },
      { name: "refuses", url: `${url}/refuses`, secret: "refuses-secret-012345678", ...retry },
      { name: "office", url: `${url}/office`, secret: "office-secret-0123456789", ...retry },
      {
        name: "other-site",
        url: `${url}/other-site`,
        secret: "other-secret-01234567890",
        sites: ["site-b"],
        ...retry,
      },
    ],
    workOrders: {
      deadlinesMin: { major: 30 },
      webhooks: {
        "grid-leader": ["leader", "refuses", "other-site"],
        "community-office": ["office"],
      },
    },
  };
  bridge = makeBridge(
    testConfig({ mqttUrl: broker.url, vmUrl: vm.url, extra }),
    () => clock,
  ).bridge;
  await bridge.start();
  gw = await gatewayClient(broker.url);
});

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await new Promise((r) => receiver?.close(r));
  await Promise.all([broker?.stop(), vm?.stop()]);
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${bridge.httpPort}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN_A}`, "content-type": "application/json" },
  });

describe("work-order escalation webhooks", () => {
  it("tells the grid leader, then the community office, when deadlines pass; retries and counts a dead letter", async () => {
    const t0 = clock;
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "wo-alarm-1", seq: 1, ts: t0 }),
    );
    await waitFor(async () => {
      const res = await api(`/api/sites/${SITE_A}/alarms/wo-alarm-1`);
      return res.status === 200 ? true : undefined;
    }, "the alarm in the bridge");
    const created = await api(`/api/sites/${SITE_A}/work-orders`, {
      method: "POST",
      body: JSON.stringify({ alarmId: "wo-alarm-1", assignee: "wang" }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };

    // Before the 30-minute deadline nobody is called.
    clock = t0 + 29 * MIN;
    await bridge.escalateNow();
    expect(calls).toEqual([]);

    clock = t0 + 31 * MIN;
    await bridge.escalateNow();
    const leader = calls.filter((c) => c.hook === "leader");
    expect(leader).toHaveLength(1);
    const call = leader[0]!;
    expect(call.headers["x-haitang-event"]).toBe("work-order.escalated");
    expect(call.headers["x-haitang-signature"]).toBe(
      `sha256=${createHmac("sha256", LEADER_SECRET).update(call.raw).digest("hex")}`,
    );
    expect(call.body.site.id).toBe(SITE_A);
    expect(call.body.workOrder).toMatchObject({
      id: order.id,
      level: 1,
      escalatedTo: "grid-leader",
      severity: "major",
      assignee: "wang",
      alarm: { id: "wo-alarm-1" },
    });
    expect(call.body.idempotencyKey).toBe(`${SITE_A}/work-order/${order.id}/escalated/1`);
    // A webhook of another site is not told; one that refuses (400) is not retried.
    expect(calls.some((c) => c.hook === "other-site")).toBe(false);
    expect(calls.filter((c) => c.hook === "refuses")).toHaveLength(1);
    expect(
      bridge.metrics.value("haitang_bridge_webhook_dead_letters_total", {
        webhook: "refuses",
        event: "work-order.escalated",
      }),
    ).toBe(1);

    // The same check again escalates nothing new: nobody is called twice.
    await bridge.escalateNow();
    expect(calls.filter((c) => c.hook === "leader")).toHaveLength(1);

    // The next deadline passes: the community office, whose receiver fails twice first.
    clock = t0 + 62 * MIN;
    await bridge.escalateNow();
    const office = await waitFor(() => {
      const got = calls.filter((c) => c.hook === "office");
      return got.length === 3 ? got : undefined;
    }, "the office's third attempt");
    expect(office.map((c) => c.body.attempt)).toEqual([1, 2, 3]);
    expect(new Set(office.map((c) => c.body.idempotencyKey)).size).toBe(1);
    expect(office[2]!.body.workOrder).toMatchObject({ level: 2, escalatedTo: "community-office" });
    expect(
      bridge.metrics.value("haitang_bridge_webhook_dead_letters_total", {
        webhook: "office",
        event: "work-order.escalated",
      }),
    ).toBe(0);
  });

  it("refuses a level's webhook that does not exist, with where and what", () => {
    const parsed = parseConfig(
      {
        mqtt: { url: "mqtt://127.0.0.1:1" },
        influx: { url: "http://127.0.0.1:1", org: "o", bucket: "b", token: "t" },
        sites: { s: { commandKey: "000102030405060708090a0b0c0d0e0f", gateways: ["g"] } },
        workOrders: { webhooks: { "grid-leader": ["nobody"], janitor: [] } },
      },
      {},
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toContain(
      '/workOrders/webhooks/grid-leader/0: no webhook has this name (value: "nobody")',
    );
    expect(parsed.errors).toContain(
      '/workOrders/webhooks/janitor: not a level of workOrders.escalateTo (value: "janitor")',
    );
  });
});
