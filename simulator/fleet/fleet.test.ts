/**
 * Fleet mode against the real gateway service: the fleet's plan is a site
 * file the gateway's loader accepts; Wi-Fi devices log in to the embedded
 * broker with their own credentials and every one of them is heard; an
 * overload incident makes a charger cut its port by itself and the gateway
 * raise the alarm; serial devices on a real pseudo-terminal are heard and get
 * the gateway's acks back.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { createPtyPair } from "../../common/services.js";
import { formatConfigErrors, loadSiteConfig } from "../../gateway/config/load.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { GatewayService } from "../../gateway/service.js";
import type { AcceptedMessage } from "../../gateway/types.js";
import { freePort, tmpDir, waitFor } from "../../tests/support/services.js";
import { countsFor, type FleetPlan, planFleet } from "./fleet-plan.js";
import { fleetSiteConfig } from "./fleet-site.js";
import { type Fleet, startFleet } from "./start-fleet.js";

const dir = tmpDir("haitang-fleet-test-");
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => {});
  dir.remove();
});

async function gatewayFor(
  plan: FleetPlan,
  name: string,
  serial: { name: string; path: string }[] = [],
): Promise<{ svc: GatewayService; heard: Map<number, AcceptedMessage[]> }> {
  const site = fleetSiteConfig(plan, {
    database: join(dir.path, `${name}.db`),
    mqttPort: await freePort(),
    httpPort: await freePort(),
    serial,
  });
  const loaded = loadSiteConfig({ text: JSON.stringify(site), name }, { checkFiles: false });
  if (!loaded.ok) throw new Error(formatConfigErrors(loaded.errors));
  const heard = new Map<number, AcceptedMessage[]>();
  const svc = new GatewayService({
    config: loaded.config,
    auth: new InstallAuth(() => false),
    log: memoryLogger(),
    onAccepted: (m) => {
      const list = heard.get(m.deviceId) ?? [];
      list.push(m);
      heard.set(m.deviceId, list);
    },
  });
  await svc.start();
  stops.push(() => svc.stop());
  return { svc, heard };
}

describe("fleet plan", () => {
  it("splits a fleet by the compound's mix and gives every device its own id and key", () => {
    expect(countsFor(100)).toEqual({ smoke: 80, charger: 10, guardian: 10 });
    expect(countsFor(7, ["charger"])).toEqual({ smoke: 0, charger: 7, guardian: 0 });
    const plan = planFleet({ counts: countsFor(2000), seed: 3 });
    expect(plan.devices).toHaveLength(2000);
    expect(new Set(plan.devices.map((d) => d.id)).size).toBe(2000);
    expect(new Set(plan.devices.map((d) => d.key)).size).toBe(2000);
    const again = planFleet({ counts: countsFor(2000), seed: 3 });
    expect(again.devices.map((d) => d.key)).toEqual(plan.devices.map((d) => d.key));
  });

  it("is a site file the gateway's loader accepts: buildings, sheds and devices agree", () => {
    const plan = planFleet({ counts: { smoke: 60, charger: 7, guardian: 9 }, seed: 4 });
    const site = fleetSiteConfig(plan, { database: ":memory:" });
    const loaded = loadSiteConfig({ text: JSON.stringify(site), name: "fleet" });
    if (!loaded.ok) throw new Error(formatConfigErrors(loaded.errors));
    expect(loaded.config.devices).toHaveLength(76);
    expect(plan.sheds.map((s) => s.id)).toEqual(["s1", "s2", "s3"]);
    const det = plan.devices.find((d) => d.kind === "smoke")!;
    expect(det.building).toBe("b1");
    expect(det.sleepy).toBe(true);
  });
});

describe("fleet against the gateway service", () => {
  let fleet: Fleet | undefined;

  it("logs every Wi-Fi device in with its own credentials; each is heard; an overload is cut and alarmed", {
    timeout: 120_000,
  }, async () => {
    const plan = planFleet({ counts: { smoke: 20, charger: 3, guardian: 4 }, seed: 11 });
    const { svc, heard } = await gatewayFor(plan, "mqtt");
    fleet = await startFleet({
      plan,
      transport: { kind: "mqtt", url: `mqtt://127.0.0.1:${svc.mqttPort()}` },
      charging: false,
      rampMs: 500,
    });
    stops.push(() => fleet!.stop());
    // Every device's boot status is accepted (MAC, counter, registry all agree).
    await waitFor(
      () => (plan.devices.every((d) => heard.has(d.deviceId)) ? true : undefined),
      "a frame from every device",
      30_000,
    );
    for (const d of plan.devices)
      expect(heard.get(d.deviceId)!.some((m) => m.msg.type === "status")).toBe(true);
    expect(fleet.stats().links.connected).toBe(plan.devices.length);

    expect(fleet.incident("overload")).toBe(true);
    const alarm = await waitFor(
      () =>
        svc
          .running()
          .alarms.list({ active: true })
          .find((a) => a.kind === "port-overload"),
      "a port-overload alarm (the faulty charger ramps up over 30 s)",
      60_000,
    );
    const charger = plan.devices.find((d) => d.id === alarm.deviceId);
    expect(charger?.kind).toBe("charger");
    // The cut event asked for an ack; it comes back down the device's own topic.
    await waitFor(
      () => (fleet!.stats().links.framesIn > 0 ? true : undefined),
      "a downlink to a Wi-Fi device",
      30_000,
    );
    const s = fleet.stats();
    expect(s.outputs["relay-off"]).toBeGreaterThanOrEqual(1);
    expect(s.uplinks["charger-cut"]).toBeGreaterThanOrEqual(1);
    expect(s.firmwareErrors).toBe(0);
    expect(s.clockErrors).toBe(0);
    await fleet.stop();
  });

  it("drives serial devices over a real pseudo-terminal; acks come back to them", {
    timeout: 60_000,
  }, async () => {
    const plan = planFleet({ counts: { smoke: 4, charger: 2, guardian: 0 }, seed: 12 });
    const pty = await createPtyPair(dir.path, "radio");
    stops.push(() => pty.close());
    const { heard } = await gatewayFor(plan, "serial", [{ name: "radio", path: pty.hostPath }]);
    const serialFleet = await startFleet({
      plan,
      transport: { kind: "serial", paths: [pty.devicePath] },
      charging: false,
      rampMs: 200,
    });
    stops.push(() => serialFleet.stop());
    await waitFor(
      () => (plan.devices.every((d) => heard.has(d.deviceId)) ? true : undefined),
      "a frame from every serial device",
      30_000,
    );
    expect(serialFleet.incident("short")).toBe(true);
    // The short is cut by the charger at once; its cut event asks for an ack, which comes back.
    await waitFor(
      () => (serialFleet.stats().links.framesIn > 0 ? true : undefined),
      "a downlink on the serial line",
      30_000,
    );
    const s = serialFleet.stats();
    expect(s.uplinks["charger-cut"]).toBeGreaterThanOrEqual(1);
    expect(s.links.framesUnrouted).toBe(0);
  });
});
