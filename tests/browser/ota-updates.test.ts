/**
 * The installer page's firmware-update tab in a real headless Chromium,
 * against the real gateway service (SQLite in a temp folder, one serial
 * receiver on a socat pseudo-terminal): a campaign started through the admin
 * API, then OTA status frames from the devices on the line; the page shows
 * each device queued, transferring with its percent, switched, reported,
 * rolled back or failed with the reason, and pauses and resumes the campaign.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import type { PtyPair } from "../../common/services.js";
import { hashInstallPassword, verifyInstallPassword } from "../../gateway/config/index.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { keyToHex } from "../../gateway/registry/keys.js";
import { GatewayService } from "../../gateway/service.js";
import { framed, keyOf, statusMsg } from "../../gateway/testing/frames.js";
import { PtyDevice } from "../../gateway/testing/pty-device.js";
import { testSite } from "../../gateway/testing/site.js";
import {
  OTA_REASON_DOWNGRADE,
  OTA_REASON_NO_REPORT,
  OTA_STATE_CONFIRMED,
  OTA_STATE_RECEIVING,
  OTA_STATE_REFUSED,
  OTA_STATE_ROLLED_BACK,
  OTA_STATE_SWITCHED,
} from "../../protocol/constants.js";
import type { OtaStatusMsg } from "../../protocol/messages.js";
import { createPtyPair, freePort, tmpDir, waitFor } from "../support/services.js";
import { launchBrowser, newContext, screenshot, watchErrors } from "./support/browser.js";
import { POLL } from "./support/sign-in.js";

const PASSWORD = "ota-pass";
const A = 0x00a0a001;
const B = 0x00a0a002;
const C = 0x00a0a003;
const KEYS = new Map([
  [A, keyOf(31)],
  [B, keyOf(32)],
  [C, keyOf(33)],
]);
/** A release image with the placeholder identity: 200 bytes, 5 chunks. */
const RELEASE = `f(305419896,"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a")/*${"x".repeat(153)}*/`;
const hex = (id: number) => id.toString(16).padStart(8, "0");

function ota(state: number, reason: number, version: string, held: number): OtaStatusMsg {
  const [a, b, c] = version.split(".").map(Number) as [number, number, number];
  const have = new Uint8Array(8);
  for (let i = 0; i < held; i++) have[0] = (have[0] as number) | (1 << i);
  return {
    type: "ota-status",
    state,
    reason,
    fwMajor: a,
    fwMinor: b,
    fwPatch: c,
    received: held,
    total: 5,
    from: 0,
    have,
  };
}

describe("installer page: firmware updates (/ui/#/updates)", () => {
  const dir = tmpDir("haitang-web-ota-");
  let pty: PtyPair;
  let device: PtyDevice;
  let gw: GatewayService;
  let base: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];
  const counters = new Map<number, number>();
  const send = async (id: number, msg: Parameters<typeof framed>[2]) => {
    const n = (counters.get(id) ?? 0) + 1;
    counters.set(id, n);
    await device.write(framed(id, n, msg, KEYS.get(id)!));
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}`,
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const row = (id: number) => page.locator(`tr[data-device="${hex(id)}"]`);

  beforeAll(async () => {
    pty = await createPtyPair(dir.path, "bus");
    const hash = hashInstallPassword(PASSWORD);
    gw = new GatewayService({
      config: testSite({
        dir: dir.path,
        httpPort: await freePort(),
        mqttPort: await freePort(),
        serial: [{ name: "bus", path: pty.hostPath }],
      }),
      auth: new InstallAuth((p) => verifyInstallPassword(p, hash)),
      log: memoryLogger("gw"),
      tuning: { mergeWindowMs: 20 },
    });
    await gw.start();
    base = `http://127.0.0.1:${gw.httpPort()}`;
    device = await PtyDevice.open(pty.devicePath, KEYS);
    await waitFor(() => (gw.health().receivers.every((r) => r.up) ? true : undefined), "receiver");
    for (const id of [A, B, C]) {
      const reg = await api("POST", "/api/devices", {
        id: hex(id),
        kind: "charger",
        key: keyToHex(KEYS.get(id)!),
        shed: "s1",
        board: "PICO",
        firmware: "1.0.0",
      });
      expect(reg.status).toBe(201);
      await send(id, statusMsg());
    }
    await waitFor(
      () =>
        [A, B, C].every((id) => gw.running().registry.get(id)?.lastReceiver) ? true : undefined,
      "devices heard",
    );
    browser = await launchBrowser();
    ctx = await newContext(browser, { lang: "en" });
    page = await ctx.newPage();
    errors = watchErrors(page).errors;
  });

  afterAll(async () => {
    await browser?.close();
    await device?.close();
    await gw?.stop();
    await pty?.close();
    dir.remove();
  });

  it("shows a new campaign's devices queued, then each device's progress as its frames arrive", async () => {
    const start = await api("POST", "/api/ota/campaigns", {
      id: "spring",
      kind: "charger",
      board: "PICO",
      release: { version: "1.1.0", image: RELEASE },
      rules: { canary: 3, maxFailureShare: 1 },
    });
    expect(start.status).toBe(201);
    await page.goto(`${base}/ui/`);
    await page.locator("#password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/#\/devices$/);
    await page.getByRole("link", { name: "Updates" }).click();
    const card = page.locator(`section[data-campaign="spring"]`);
    await card.waitFor();
    expect(await card.getByTestId("campaign-status").textContent()).toBe("Running");

    await send(A, ota(OTA_STATE_RECEIVING, 0, "1.1.0", 2));
    await send(B, ota(OTA_STATE_ROLLED_BACK, OTA_REASON_NO_REPORT, "1.0.0", 0));
    await send(C, ota(OTA_STATE_REFUSED, OTA_REASON_DOWNGRADE, "1.1.0", 0));
    await expect
      .poll(() => row(A).getByTestId("progress").textContent(), POLL)
      .toBe(" transferring 40 %");
    expect(await row(A).locator("progress").getAttribute("value")).toBe("40");
    await expect.poll(() => row(B).getAttribute("data-state"), POLL).toBe("rolled-back");
    expect(await row(B).getByTestId("detail").textContent()).toBe(
      "rolled back: the new image did not report in time",
    );
    await expect.poll(() => row(C).getAttribute("data-state"), POLL).toBe("failed");
    expect(await row(C).getByTestId("detail").textContent()).toBe(
      "refused: not newer than the running version (downgrade)",
    );
    await screenshot(page, "installer-updates-progress");

    await send(A, ota(OTA_STATE_SWITCHED, 0, "1.1.0", 0));
    await expect.poll(() => row(A).getAttribute("data-state"), POLL).toBe("switched");
    await send(A, ota(OTA_STATE_CONFIRMED, 0, "1.1.0", 0));
    await expect.poll(() => row(A).getAttribute("data-state"), POLL).toBe("reported");
    await expect.poll(() => card.getByTestId("campaign-status").textContent(), POLL).toBe("Done");
    // The registry follows: the device runs the new version now.
    expect(gw.running().registry.get(A)?.firmware).toBe("1.1.0");
    expect(gw.health().counters).toMatchObject({
      "ota.reported": 1,
      "ota.rolledBack": 1,
      "ota.downgradeRefused": 1,
    });
    await screenshot(page, "installer-updates-done");
  });

  it("pauses and resumes a campaign from the page", async () => {
    for (const id of [A, B, C]) gw.running().registry.update(id, { firmware: "1.1.0" });
    const start = await api("POST", "/api/ota/campaigns", {
      id: "summer",
      kind: "charger",
      board: "PICO",
      fromVersion: "1.1.0",
      release: { version: "1.2.0", image: RELEASE },
    });
    expect(start.status).toBe(201);
    const card = page.locator(`section[data-campaign="summer"]`);
    await card.waitFor();
    await card.getByRole("button", { name: "Pause" }).click();
    await expect
      .poll(() => page.getByTestId("updates-message").textContent(), POLL)
      .toBe("Paused summer.");
    await expect.poll(() => card.getByTestId("campaign-status").textContent(), POLL).toBe("Paused");
    expect((await api("GET", "/api/ota/campaigns/summer")).body.campaign).toMatchObject({
      status: "paused",
      why: "paused by an operator",
    });
    await card.getByRole("button", { name: "Resume" }).click();
    await expect
      .poll(() => card.getByTestId("campaign-status").textContent(), POLL)
      .toBe("Running");
    await screenshot(page, "installer-updates-resumed");
  });

  it("raised no script error in the page", () => {
    expect(errors).toEqual([]);
  });
});
