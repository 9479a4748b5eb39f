/**
 * The guardian residents page in a real headless Chromium against a real
 * Mosquitto, VictoriaMetrics and cloud bridge: each resident's welfare state
 * and the welfare alarm's escalation timeline, updated live. The messages are
 * the ones a gateway's welfare rule publishes (states and times, alarm
 * transitions), sent by a stand-in gateway client: the gateway side of that
 * path runs for real in scenarios/15 (virtual time: a welfare alarm takes hours).
 */
import type { MqttClient } from "mqtt";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AlarmTransition,
  type ResidentState,
  type ResidentStateName,
  topics,
} from "../../protocol/uplink.js";
import { gatewayClient, publishAlarm } from "../cloud-bridge/support.js";
import { launchBrowser, newContext, screenshot, watchErrors } from "./support/browser.js";
import { POLL } from "./support/sign-in.js";
import {
  GARDEN,
  type Stack,
  startStack,
  TOKEN_GARDEN,
  TOKEN_RIVER,
  TOKEN_VIEWER,
} from "./support/stack.js";

const now = Date.now();
let seq = 100_000;

function state(deviceId: string, s: ResidentStateName, since: number, flat: string): ResidentState {
  return {
    v: 1,
    site: GARDEN.site,
    gateway: GARDEN.gateway,
    deviceId,
    state: s,
    since,
    lastActivityAt: since - 5 * 60_000,
    building: "b9",
    location: `b9/${flat}`,
    seq: seq++,
    ts: since,
    historical: false,
  };
}

const welfare = (over: Partial<AlarmTransition>): AlarmTransition => ({
  v: 1,
  site: GARDEN.site,
  gateway: GARDEN.gateway,
  alarmId: "gw-garden-w1",
  transition: "raised",
  kind: "welfare",
  severity: "critical",
  deviceId: "0000d902",
  rule: "welfare",
  active: true,
  acknowledged: false,
  raisedAt: now - 40 * 60_000,
  level: 0,
  evidence: "no door or motion activity (b9/902) for 3.0 h inside the day window 07:00-22:00",
  location: "b9/902",
  seq: seq++,
  ts: now - 40 * 60_000,
  historical: false,
  ...over,
});

describe("guardian residents page (cloud bridge)", () => {
  let stack: Stack;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let gw: MqttClient;
  let errors: string[];

  const publishState = (r: ResidentState) =>
    gw.publishAsync(topics.resident(r.site, r.gateway, r.deviceId), JSON.stringify(r), { qos: 1 });

  const signIn = async (p: Page, token: string) => {
    await p.goto(`${stack.baseUrl}/`);
    await p.locator("#token").fill(token);
    await p.locator("form.login button[type=submit]").click();
    await p.waitForURL(/#\/sites$/);
    await expect
      .poll(() => p.getByTestId("live").getAttribute("class"), POLL)
      .toContain("live-open");
  };

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    gw = await gatewayClient(stack.mosquitto.url);
    await publishState(state("0000d901", "active", now - 20 * 60_000, "901"));
    await publishState(state("0000d902", "alarm", now - 40 * 60_000, "902"));
    await publishAlarm(gw, welfare({}));
    await publishAlarm(
      gw,
      welfare({ transition: "escalated", level: 1, seq: seq++, ts: now - 10 * 60_000 }),
    );
    ctx = await newContext(browser, { lang: "en", phone: true });
    page = await ctx.newPage();
    errors = watchErrors(page).errors;
  }, 120_000);

  afterAll(async () => {
    await gw?.endAsync();
    await browser?.close();
    await stack?.stop();
  });

  it("shows each resident's state, the most urgent first, from the site page", async () => {
    await signIn(page, TOKEN_GARDEN);
    await page.goto(`${stack.baseUrl}/#/site/${GARDEN.site}`);
    await page.getByRole("link", { name: "Residents (guardian)" }).click();
    await page.waitForURL(/#\/residents\/hz-garden$/);
    const cards = page.getByTestId("resident");
    await expect.poll(() => cards.count(), POLL).toBe(2);
    expect(await cards.nth(0).getAttribute("data-device")).toBe("0000d902");
    expect(await cards.nth(0).getByTestId("resident-state").textContent()).toBe("Welfare alarm");
    expect(await cards.nth(0).textContent()).toContain("No activity for too long: act now.");
    expect(await cards.nth(1).getByTestId("resident-state").textContent()).toBe("Active");
    expect(await cards.nth(1).locator("h2").textContent()).toBe("b9/901");
  });

  it("shows who was told and that nobody has answered yet", async () => {
    const card = page.locator(`[data-testid=resident][data-device="0000d902"]`);
    const steps = card.getByTestId("resident-timeline").locator("li");
    await expect
      .poll(() => steps.evaluateAll((li) => li.map((x) => x.getAttribute("data-transition"))), POLL)
      .toEqual(["raised", "escalated"]);
    expect(await steps.nth(1).textContent()).toContain("L1");
    expect(await card.getByTestId("resident-alarm").textContent()).toContain("not answered yet");
    await screenshot(page, "residents-phone-alarm");
  });

  it("updates live when the grid worker answers and when a resident goes out", async () => {
    await page.evaluate(() => {
      (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage = true;
    });
    await publishAlarm(
      gw,
      welfare({
        transition: "acknowledged",
        level: 1,
        acknowledged: true,
        acknowledgedAt: now - 5 * 60_000,
        acknowledgedBy: "grid-worker:wang",
        seq: seq++,
        ts: now - 5 * 60_000,
      }),
    );
    await publishState(state("0000d901", "away", now - 60_000, "901"));
    const alarmCard = page.locator(`[data-testid=resident][data-device="0000d902"]`);
    await expect
      .poll(() => alarmCard.getByTestId("resident-alarm").textContent(), POLL)
      .toContain("answered by grid-worker:wang");
    const out = page.locator(`[data-testid=resident][data-device="0000d901"]`);
    await expect.poll(() => out.getAttribute("data-state"), POLL).toBe("away");
    expect(await out.getByTestId("resident-state").textContent()).toBe("Away");
    expect(
      await page.evaluate(() => (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage),
    ).toBe(true);
    await screenshot(page, "residents-phone-answered");
  });

  it("shows another site's token nothing of these residents", async () => {
    const other = await newContext(browser, { lang: "en" });
    const p = await other.newPage();
    await signIn(p, TOKEN_RIVER);
    await p.goto(`${stack.baseUrl}/#/residents/${GARDEN.site}`);
    await expect.poll(() => p.getByTestId("residents").textContent(), POLL).not.toBe("");
    expect(await p.getByTestId("resident").count()).toBe(0);
    expect(await p.getByTestId("residents").textContent()).not.toContain("b9/902");
    await other.close();
  });

  it("tells a viewer of the site that residents are not theirs to see", async () => {
    const other = await newContext(browser, { lang: "en" });
    const p = await other.newPage();
    await signIn(p, TOKEN_VIEWER);
    await p.goto(`${stack.baseUrl}/#/residents/${GARDEN.site}`);
    await p.getByTestId("residents-forbidden").waitFor({ timeout: POLL.timeout });
    expect(await p.getByTestId("resident").count()).toBe(0);
    expect(await p.getByTestId("residents").textContent()).not.toContain("b9/902");
    await other.close();
  });

  it("raised no script error in the page", () => {
    expect(errors.filter((e) => !/40[13]/.test(e))).toEqual([]);
  });
});
