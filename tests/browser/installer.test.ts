/**
 * The installer's gateway page in a real headless Chromium, against the real
 * gateway service (SQLite in a temp folder, one serial receiver on a socat
 * pseudo-terminal): sign in with the install password, read the devices,
 * approve a pending device, read a commissioning report and the health page,
 * see a registered device that was never heard as "installed, not yet heard".
 */
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { repoRoot } from "../../common/paths.js";
import type { PtyPair } from "../../common/services.js";
import { hashInstallPassword, verifyInstallPassword } from "../../gateway/config/index.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { keyToHex } from "../../gateway/registry/keys.js";
import { GatewayService } from "../../gateway/service.js";
import { framed, keyOf, statusMsg } from "../../gateway/testing/frames.js";
import { PtyDevice } from "../../gateway/testing/pty-device.js";
import { testSite } from "../../gateway/testing/site.js";
import { createPtyPair, freePort, tmpDir, waitFor } from "../support/services.js";
import {
  launchBrowser,
  moduleFiles,
  newContext,
  preloadedModules,
  screenshot,
  watchErrors,
} from "./support/browser.js";
import { POLL } from "./support/sign-in.js";

const PASSWORD = "安装-pass-2025";
const KNOWN = 0x00c0ffee;
const STRANGER = 0x00beef01;
/** Registered by the flash tool, never heard (its first frame has not arrived). */
const SILENT = 0x00c0ffef;
const KEYS = new Map([
  [KNOWN, keyOf(21)],
  [STRANGER, keyOf(22)],
]);

/** Live updates cross several processes; give them time on a loaded CI machine. */

describe("installer page on the gateway (/ui/)", () => {
  const dir = tmpDir("haitang-web-gw-");
  let pty: PtyPair;
  let device: PtyDevice;
  let gw: GatewayService;
  let base: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];
  const authHeader = {
    authorization: `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}`,
    "content-type": "application/json",
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: authHeader,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    pty = await createPtyPair(dir.path, "radio");
    const hash = hashInstallPassword(PASSWORD);
    gw = new GatewayService({
      config: testSite({
        dir: dir.path,
        httpPort: await freePort(),
        mqttPort: await freePort(),
        serial: [{ name: "radio", path: pty.hostPath }],
      }),
      auth: new InstallAuth((p) => verifyInstallPassword(p, hash)),
      log: memoryLogger("gw"),
      tuning: { mergeWindowMs: 20 },
    });
    await gw.start();
    base = `http://127.0.0.1:${gw.httpPort()}`;
    device = await PtyDevice.open(pty.devicePath, KEYS);
    await waitFor(() => (gw.health().receivers.every((r) => r.up) ? true : undefined), "receiver");

    // What the flash tool does: register the device with its key, save a commissioning report.
    const reg = await api("POST", "/api/devices", {
      id: KNOWN.toString(16),
      kind: "smoke",
      key: keyToHex(KEYS.get(KNOWN)!),
      building: "b1",
      location: "101",
      board: "PICO_R1_3",
      firmware: "1.2.3",
    });
    expect(reg.status).toBe(201);
    // The report `haitang flash` posts (installer/commissioning-report.ts CommissioningReport).
    const report = await api("POST", "/api/reports", {
      v: 1,
      status: "commissioned",
      device: "00c0ffee",
      deviceId: KNOWN,
      kind: "smoke",
      board: { asked: "PICO", reported: "PICO_R1_3", espruino: "2v29" },
      site: "test-site",
      building: "b1",
      location: "101",
      firmware: { version: "1.2.3", sha256: "5f1c0a9e", sizeBytes: 21504, budgetBytes: 40000 },
      thresholds: { smokeAlarmLevel: 800, confirmSamples: 3 },
      heartbeatS: 3600,
      gateway: "gw-1",
      firstFrame: {
        receivedAt: "2026-01-05T08:00:00.000Z",
        receiver: "radio",
        rssi: -67,
        afterRegistrationMs: 900,
      },
      selfTest: { result: "passed", detail: "sounder heard", at: "2026-01-05T08:00:02.000Z" },
      time: "2026-01-05T08:00:03.000Z",
      installer: "Wang Li",
      durationsMs: { build: 1200, upload: 8000, firstFrame: 900 },
    });
    expect(report.status).toBe(201);
    const silent = await api("POST", "/api/devices", {
      id: SILENT.toString(16).padStart(8, "0"),
      kind: "smoke",
      key: keyToHex(keyOf(23)),
      building: "b1",
      location: "102",
      listen: "windows",
    });
    expect(silent.status).toBe(201);
    await device.write(framed(KNOWN, 1, statusMsg(), KEYS.get(KNOWN)!));
    // A device nobody commissioned: the gateway lists it as pending.
    await device.write(framed(STRANGER, 1, statusMsg(), KEYS.get(STRANGER)!));
    await waitFor(async () => {
      const p = await api("GET", "/api/pending");
      return (p.body.pending as unknown[]).length > 0 ? true : undefined;
    }, "pending device");

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

  it("refuses a wrong password and signs in with the install password", async () => {
    await page.goto(`${base}/ui/`);
    await page.locator("#password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByTestId("login-error").textContent(), POLL)
      .toBe("Wrong password.");
    await screenshot(page, "installer-login-refused");
    await page.locator("#password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/#\/devices$/);
    await expect.poll(() => page.getByTestId("live").textContent(), POLL).toBe("Live");
  });

  it("lists commissioned devices with kind, location, last seen, battery, signal and firmware", async () => {
    const row = page.locator(`tr[data-device="00c0ffee"]`);
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain("Smoke detector");
    expect(text).toContain("b1 · 101");
    expect(text).toContain("2.95 V");
    expect(text).toContain("1.2.3");
    // Seconds, or a minute or more when a loaded machine took that long since the frame.
    expect(text).toMatch(/\d+ (s|min) ago/);
    // How each battery detector is reached: the site's default, or its own mode.
    expect(await row.getByTestId("listening").textContent()).toBe(" · wakes on radio");
    expect(
      await page.locator(`tr[data-device="00c0ffef"]`).getByTestId("listening").textContent(),
    ).toBe(" · listening windows");
    await screenshot(page, "installer-devices");
  });

  it("shows a registered device that was never heard as installed, not yet heard", async () => {
    const row = page.locator(`tr[data-device="00c0ffef"]`);
    await row.waitFor();
    expect(await row.getByTestId("not-heard").textContent()).toMatch(
      /^Installed \d+ (s|min) ago, not yet heard$/,
    );
    // A device that was heard is not shown so.
    expect(await page.locator(`tr[data-device="00c0ffee"]`).getByTestId("not-heard").count()).toBe(
      0,
    );
  });

  it("approves a pending device, which then leaves the pending list and is commissioned", async () => {
    await page.getByRole("link", { name: "Pending" }).click();
    const card = page.locator(`section[data-device="00beef01"]`);
    await card.waitFor();
    await screenshot(page, "installer-pending");
    await card.getByTestId("approve").click();
    await card.locator("input[name=location]").fill("Building 2, 101");
    await screenshot(page, "installer-pending-approve-form");
    await card.getByRole("button", { name: "Approve device" }).click();
    await expect
      .poll(() => page.getByTestId("pending-message").textContent(), POLL)
      .toBe("Approved device 00beef01.");
    await page.getByTestId("no-pending").waitFor();
    const dev = await api("GET", `/api/devices/${STRANGER.toString(16).padStart(8, "0")}`);
    expect(dev.status).toBe(200);
    expect(dev.body.device).toMatchObject({
      kind: "smoke",
      status: "active",
      location: "Building 2, 101",
    });
    await page.getByRole("link", { name: "Devices" }).click();
    await page.locator(`tr[data-device="00beef01"]`).waitFor();
  });

  it("shows the commissioning report the flash tool saved", async () => {
    await page.getByRole("link", { name: "Reports" }).click();
    const report = page.locator("details.report").first();
    await report.waitFor();
    // Read as a person reads the CLI's text report: labelled lines, no JSON.
    const lines = await report
      .locator("dl dt")
      .evaluateAll((dts) =>
        dts.map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`),
      );
    expect(lines).toEqual([
      "Device: 00c0ffee (Smoke detector)",
      "Place: test-site / b1 / 101",
      "Board: PICO_R1_3 (asked PICO), Espruino 2v29",
      `Firmware: 1.2.3sha256 5f1c0a9e${(21504).toLocaleString("en")} of ${(40000).toLocaleString("en")} bytes`,
      "Heartbeat: every 3600 s",
      "Thresholds: smokeAlarmLevel = 800confirmSamples = 3",
      "Gateway: gw-1",
      expect.stringMatching(/^First frame: .+ via radio, signal -67 dBm$/),
      "Self-test: Passed (sounder heard)",
      expect.stringMatching(/^Time: /),
      "Installer: Wang Li",
      "Took: 10.1 s (build 1.2 s, upload 8.0 s, firstFrame 0.9 s)",
    ]);
    expect(await report.textContent()).not.toContain("{");
    expect(await report.locator("summary").textContent()).toContain("Commissioned");
    await screenshot(page, "installer-reports");
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("nav, .site-header").first().isVisible()).toBe(false);
    expect(await report.isVisible()).toBe(true);
    await screenshot(page, "installer-reports-print");
    await page.emulateMedia({ media: "screen" });
  });

  it("shows receivers, uplink state, outbox and the drop counters", async () => {
    await page.getByRole("link", { name: "Health" }).click();
    await page.getByTestId("drops").waitFor();
    expect(await page.getByTestId("receivers").textContent()).toContain("Connected");
    expect(await page.getByTestId("uplink").textContent()).toContain("Not configured");
    const unknown = page.locator(`tr[data-reason="unknown-device"] td.num`);
    expect(Number(await unknown.textContent())).toBeGreaterThanOrEqual(1);
    await screenshot(page, "installer-health");
  });

  it("reads well in Chinese on a phone", async () => {
    const phone = await newContext(browser, { lang: "zh", phone: true });
    const p = await phone.newPage();
    const phoneErrors = watchErrors(p).errors;
    await p.goto(`${base}/ui/`);
    await p.locator("#password").fill(PASSWORD);
    await p.getByRole("button", { name: "登录" }).click();
    await p.locator(`tr[data-device="00c0ffee"]`).waitFor();
    expect(await p.locator(`tr[data-device="00c0ffee"]`).textContent()).toContain("烟雾探测器");
    await screenshot(p, "installer-devices-phone-zh");
    expect(
      await p.locator(`tr[data-device="00c0ffef"]`).getByTestId("not-heard").textContent(),
    ).toMatch(/安装，尚未收到信号$/);
    await p.getByRole("link", { name: "运行状态" }).click();
    await p.getByTestId("drops").waitFor();
    // Health counters in words, in Chinese too: no camelCase identifiers.
    expect(await p.locator(`tr[data-counter="acksSent"] td`).first().textContent()).toBe(
      "已发送的确认",
    );
    expect(await p.getByTestId("counters").textContent()).not.toMatch(/[a-z][A-Z]/);
    await screenshot(p, "installer-health-phone-zh");
    await phone.close();
    expect(phoneErrors).toEqual([]);
  });

  it("preloads every module of the page, so they load in one round", async () => {
    const html = await (await fetch(`${base}/ui/`)).text();
    expect(preloadedModules(html)).toEqual(moduleFiles(join(repoRoot(), "gateway", "web")));
  });

  it("raised no script error in the page", () => {
    // 401 answers to the wrong password are logged by Chromium as failed resources; nothing else.
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
  });
});
