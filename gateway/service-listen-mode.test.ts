/**
 * A battery detector's own listen mode through the registration API: checked,
 * stored in SQLite, shown in the device's record, kept across a restart, and
 * used for its wake-up preamble instead of the site's interlink.listen.
 */
import { afterAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../common/log.js";
import { freePort, tmpDir } from "../tests/support/services.js";
import { preambleFor } from "./downlink/listen-modes.js";
import { InstallAuth } from "./http/auth.js";
import { keyToHex } from "./registry/keys.js";
import { GatewayService } from "./service.js";
import { keyOf } from "./testing/frames.js";
import { testSite } from "./testing/site.js";

const PASSWORD = "install-secret";
const auth = { authorization: `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}` };

describe("a detector's listen mode through the API (real gateway, SQLite on disk)", () => {
  const dir = tmpDir("haitang-listen-");
  let gw: GatewayService | undefined;
  afterAll(async () => {
    await gw?.stop();
    dir.remove();
  });

  async function start(httpPort: number, mqttPort: number) {
    const config = testSite({ dir: dir.path, httpPort, mqttPort });
    const s = new GatewayService({
      config,
      auth: new InstallAuth((p) => p === PASSWORD),
      log: memoryLogger("gw"),
    });
    await s.start();
    return { s, config, base: `http://127.0.0.1:${s.httpPort()}` };
  }
  const call = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("registers, refuses bad values, changes, and keeps the mode across a restart", async () => {
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    let g = await start(httpPort, mqttPort);
    gw = g.s;
    const reg = (id: number, extra: Record<string, unknown>) =>
      call(g.base, "POST", "/api/devices", {
        id: id.toString(16).padStart(8, "0"),
        key: keyToHex(keyOf(id & 0xff)),
        building: "b1",
        ...extra,
      });
    const windows = await reg(0x00e00001, { kind: "smoke", listen: "windows" });
    expect(windows.status).toBe(201);
    expect(windows.body.device).toMatchObject({ id: "00e00001", listen: "windows" });
    // Without one it follows the site's interlink.listen: no field in its record.
    const plain = await reg(0x00e00002, { kind: "smoke" });
    expect(plain.status).toBe(201);
    expect(plain.body.device).not.toHaveProperty("listen");

    const typo = await reg(0x00e00003, { kind: "smoke", listen: "wake-on-radi0" });
    expect(typo.status).toBe(400);
    expect(typo.body).toMatchObject({ path: "listen", value: "wake-on-radi0" });
    expect(String(typo.body.error)).toContain("wake-on-radio, windows");
    const charger = await reg(0x00e00004, { kind: "charger", shed: "shed-a", listen: "windows" });
    expect(charger.status).toBe(400);
    expect(String(charger.body.error)).toContain("listen is for a smoke detector");
    expect((await call(g.base, "GET", "/api/devices/00e00004")).status).toBe(404);

    const patched = await call(g.base, "PATCH", "/api/devices/00e00002", {
      listen: "wake-on-radio",
    });
    expect(patched.status).toBe(200);
    expect(patched.body.device).toMatchObject({ listen: "wake-on-radio" });

    await g.s.stop();
    gw = undefined;
    g = await start(httpPort, mqttPort);
    gw = g.s;
    const after = await call(g.base, "GET", "/api/devices");
    const byId = new Map(
      (after.body.devices as Array<{ id: string; listen?: string }>).map((d) => [d.id, d]),
    );
    expect(byId.get("00e00001")?.listen).toBe("windows");
    expect(byId.get("00e00002")?.listen).toBe("wake-on-radio");

    // What the installer page shows: the mode each detector is reached by, its own or the
    // site's; a mains detector and a charger always listen and have none.
    await reg(0x00e00005, { kind: "smoke" });
    await reg(0x00e00006, { kind: "smoke", sleepy: false });
    await call(g.base, "POST", "/api/devices", {
      id: "00e00007",
      kind: "charger",
      key: keyToHex(keyOf(7)),
      shed: "shed-a",
    });
    const listening = new Map(
      (
        (await call(g.base, "GET", "/api/devices")).body.devices as Array<Record<string, unknown>>
      ).map((d) => [d.id, d.listening]),
    );
    expect(g.config.interlink.listen).toBe("wake-on-radio");
    expect(Object.fromEntries(listening)).toEqual({
      "00e00001": "windows",
      "00e00002": "wake-on-radio",
      "00e00005": "wake-on-radio",
      "00e00006": undefined,
      "00e00007": undefined,
    });
    const one = await call(g.base, "GET", "/api/devices/00e00001");
    expect(one.body.device).toMatchObject({ listen: "windows", listening: "windows" });

    // The preamble follows the registered mode over the site's default (wake-on-radio).
    const preamble = preambleFor(g.config);
    const registry = g.s.running().registry;
    expect(preamble(registry.get(0x00e00001)!)).toBe(0);
    expect(preamble(registry.get(0x00e00002)!)).toBe(g.config.interlink.sniffEveryMs + 20);
  });
});
