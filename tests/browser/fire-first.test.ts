/**
 * Issue 13 in a real headless Chromium against the real chain (gateway
 * services on serial ptys -> Mosquitto -> cloud bridge -> page): a fire raised
 * at a gateway shows the banner, title and favicon on an open site page and
 * puts its site first; an operator restores a cut port with a reason and the
 * page shows it on only after the charger's telemetry says so, while a
 * viewer's restore is refused by the API.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMOKE_ALARM, SMOKE_CLEAR } from "../../protocol/constants.js";
import { waitFor } from "../support/services.js";
import { launchBrowser, newContext, screenshot, watchErrors } from "./support/browser.js";
import { POLL, signIn as signInAs } from "./support/sign-in.js";
import {
  CHARGER,
  DETECTOR,
  DETECTOR_LOCATION,
  GARDEN,
  RIVER,
  SHED_ID,
  type Stack,
  startStack,
  TOKEN_ALL,
  TOKEN_GARDEN,
  TOKEN_VIEWER,
} from "./support/stack.js";
import { streamCarried, tapStream } from "./support/stream-tap.js";

const DETECTOR_ID = DETECTOR.toString(16).padStart(8, "0");
/**
 * Waits that cross the whole chain twice (page -> bridge -> broker -> gateway ->
 * pty charger and back) get longer on a machine shared by many test runs; the
 * restore test makes several of them, so it gets a test timeout to match.
 * Nothing here measures time: these are upper bounds for an outcome.
 */
const LOADED_MS = 45_000;
const RESTORE_TEST_MS = 240_000;
const SLOW_POLL = { ...POLL, timeout: LOADED_MS };

describe("fire first and port restore", () => {
  let stack: Stack;
  let browser: Browser;
  /** Each page's error list (filled as the page runs). */
  const watched: string[][] = [];

  const signIn = (p: Page, token: string) => {
    watched.push(watchErrors(p).errors);
    return signInAs(p, stack.baseUrl, token);
  };

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    await stack.garden.send(stack.garden.telemetry([180, 0, 640, 90, 0, 0, 0, 0]));
    await stack.river.send(stack.river.telemetry([300, 0, 0, 0]));
    await waitFor(async () => {
      const res = await fetch(`${stack.baseUrl}/api/sites/${GARDEN.site}/sheds`, {
        headers: { authorization: `Bearer ${TOKEN_ALL}` },
      });
      return ((await res.json()) as { sheds: unknown[] }).sheds.length > 0 ? true : undefined;
    }, "the garden shed in the bridge");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it(
    "shows a fire raised at a gateway on an open site page and sorts its site first",
    async () => {
      const ctx = await newContext(browser, { lang: "en" });
      const page = await ctx.newPage();
      await signIn(page, TOKEN_ALL);
      // Riverside is configured second; with no alarm it is listed second.
      expect(await page.locator("section.site").first().getAttribute("data-site")).toBe(
        GARDEN.site,
      );
      const title = await page.title();
      await page.goto(`${stack.baseUrl}/#/site/${RIVER.site}`);
      await page.locator("h1").waitFor();
      expect(await page.getByTestId("fire-banner").count()).toBe(0);

      const raisedAt = Date.now();
      await stack.river.smoke(SMOKE_ALARM);
      const banner = page.getByTestId("fire-banner");
      await banner.waitFor({ timeout: POLL.timeout });
      console.log(`fire banner shown ${Date.now() - raisedAt} ms after the detector's frame`);
      const item = banner.locator('a.fire-item[data-kind="fire"]');
      expect(await item.locator(".fire-kind").textContent()).toBe("Fire");
      // The site as people know it (the bridge config's name), not its id.
      expect(await item.getByTestId("banner-where").textContent()).toContain(RIVER.name);
      expect(await item.getByTestId("banner-where").textContent()).toContain(DETECTOR_LOCATION);
      expect(await item.getByTestId("banner-acked").textContent()).toBe("Not acknowledged");
      expect(await page.title()).toMatch(/^🔥 1 fire alarm/);
      expect(await page.locator('link[rel="icon"]').getAttribute("href")).toMatch(
        /^data:image\/svg\+xml/,
      );
      await screenshot(page, "fire-banner-site-en");

      // Every page shows it, the sites overview lists the burning site first.
      await page.goto(`${stack.baseUrl}/#/sites`);
      await expect
        .poll(() => page.locator("section.site").first().getAttribute("data-site"), POLL)
        .toBe(RIVER.site);
      expect(
        await page.locator(`section[data-site="${RIVER.site}"]`).getAttribute("class"),
      ).toContain("site-fire");
      await screenshot(page, "fire-sites-en");

      // The buildings view shows the detector that started it, in its flat and floor.
      await page.goto(`${stack.baseUrl}/#/buildings/${RIVER.site}`);
      const detector = page.locator(`[data-building="b1"] [data-device="${DETECTOR_ID}"]`);
      await expect.poll(() => detector.getAttribute("data-state"), POLL).toBe("alarm");
      expect(await detector.getAttribute("data-started")).toBe("true");
      expect(await detector.getAttribute("data-sounding")).toBe("false");
      expect(
        await page.locator('[data-building="b1"] [data-floor="1"] [data-flat="101"]').count(),
      ).toBe(1);
      await screenshot(page, "buildings-fire-en");
      await page.goto(`${stack.baseUrl}/#/sites`);

      // The banner links to the alarm.
      await item.click();
      await page.waitForURL(/#\/alarm\//);
      await page.getByTestId("timeline").waitFor();

      const phone = await newContext(browser, { lang: "zh", phone: true });
      const p = await phone.newPage();
      await signIn(p, TOKEN_ALL);
      await p.getByTestId("fire-banner").waitFor();
      expect(await p.locator(".fire-kind").first().textContent()).toBe("火警");
      await screenshot(p, "fire-sites-phone-zh");
      await p.goto(`${stack.baseUrl}/#/site/${RIVER.site}`);
      await p.locator("h1").waitFor();
      await screenshot(p, "fire-banner-site-phone-zh");
      await p.goto(`${stack.baseUrl}/#/buildings/${RIVER.site}`);
      await p.locator(`[data-device="${DETECTOR_ID}"]`).waitFor();
      await screenshot(p, "buildings-fire-phone-zh");

      // The smoke clears: the banner goes, the title comes back.
      await stack.river.smoke(SMOKE_CLEAR);
      await expect.poll(() => page.getByTestId("fire-banner").count(), POLL).toBe(0);
      expect(await page.title()).toBe(title);
      await phone.close();
      await ctx.close();
    },
    RESTORE_TEST_MS,
  );

  it(
    "restores a cut port with a reason; shows it on only once the charger confirms",
    async () => {
      const g = stack.garden;
      await g.send(g.telemetry([180, 0, 1350, 90, 0, 0, 0, 0], [2]));
      await g.send(g.cutEvent(2, 1350));
      // The charger's id and its own port index from 0, as every API and URL names a port.
      const charger = CHARGER.toString(16).padStart(8, "0");
      const restoreUrl = `${stack.baseUrl}/api/sites/${GARDEN.site}/sheds/${SHED_ID}/chargers/${charger}/ports/2/restore`;
      // The alarm has reached the bridge before anyone restores.
      await waitFor(async () => {
        const res = await fetch(`${stack.baseUrl}/api/sites/${GARDEN.site}/alarms?active=true`, {
          headers: { authorization: `Bearer ${TOKEN_ALL}` },
        });
        const body = (await res.json()) as { alarms: Array<{ kind: string }> };
        return body.alarms.some((a) => a.kind === "port-overload") ? true : undefined;
      }, "the overload alarm");

      // A viewer is refused by the API itself, whatever the page shows.
      const viewer = await fetch(restoreUrl, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN_VIEWER}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "looks fine" }),
      });
      expect(viewer.status).toBe(403);
      const noReason = await fetch(restoreUrl, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN_GARDEN}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: " " }),
      });
      expect(noReason.status).toBe(400);

      const ctx = await newContext(browser, { lang: "en" });
      const page = await ctx.newPage();
      await signIn(page, TOKEN_GARDEN);
      await page.goto(`${stack.baseUrl}/#/shed/${GARDEN.site}/${SHED_ID}`);
      const port3 = page.locator('section[data-port="2"]');
      await expect.poll(() => port3.getAttribute("data-relay"), SLOW_POLL).toBe("off");
      await port3.getByTestId("restore").click();
      const form = port3.getByTestId("restore-form");
      await expect
        .poll(() => form.getByTestId("cut-why").textContent(), POLL)
        .toContain("Port overload");
      expect(await form.getByTestId("cut-why").textContent()).toContain("Cut: port overload");
      await form.getByRole("button", { name: "Restore" }).click();
      // The reason is required: nothing is sent without one.
      expect(await port3.getByTestId("restore-pending").count()).toBe(0);
      await form.locator("textarea[name=reason]").fill("Charger unplugged, scooter removed");
      await screenshot(page, "restore-form-en");
      await form.getByRole("button", { name: "Restore" }).click();
      await port3.getByTestId("restore-pending").waitFor({ timeout: LOADED_MS });

      // The signed command reaches the charger; the page still shows the port off.
      await waitFor(
        () => (g.relayCommands().some((c) => c.port === 2 && c.on) ? true : undefined),
        "the relay command at the charger",
        LOADED_MS,
      );
      expect(await port3.getAttribute("data-relay")).toBe("off");
      await screenshot(page, "restore-pending-en");
      // The charger switches on and says so.
      await g.send(g.telemetry([180, 0, 0, 90, 0, 0, 0, 0]));
      await expect.poll(() => port3.getAttribute("data-relay"), SLOW_POLL).toBe("on");
      expect(await port3.getByTestId("restore-pending").count()).toBe(0);

      // Who, when and why: the audit trail and the alarm's timeline.
      const audit = (await (
        await fetch(`${stack.baseUrl}/api/sites/${GARDEN.site}/audit`, {
          headers: { authorization: `Bearer ${TOKEN_VIEWER}` },
        })
      ).json()) as { entries: Array<Record<string, unknown>> };
      expect(audit.entries[0]).toMatchObject({
        action: "port-restore",
        by: "garden-guard-room",
        role: "operator",
        reason: "Charger unplugged, scooter removed",
        port: 3,
        devicePort: 2,
        outcome: "sent",
      });
      expect(String(audit.entries[0]!.alarmId)).not.toBe("");
      await page.goto(
        `${stack.baseUrl}/#/alarm/${GARDEN.site}/${encodeURIComponent(String(audit.entries[0]!.alarmId))}`,
      );
      const timeline = page.getByTestId("timeline");
      await timeline.waitFor();
      expect(await timeline.textContent()).toContain("Charger unplugged, scooter removed");
      await screenshot(page, "restore-timeline-en");

      const phone = await newContext(browser, { lang: "zh", phone: true });
      const p = await phone.newPage();
      await signIn(p, TOKEN_GARDEN);
      await g.send(g.telemetry([180, 0, 0, 90, 1300, 0, 0, 0], [4]));
      await p.goto(`${stack.baseUrl}/#/shed/${GARDEN.site}/${SHED_ID}`);
      const port5 = p.locator('section[data-port="4"]');
      await expect.poll(() => port5.getAttribute("data-relay"), SLOW_POLL).toBe("off");
      await port5.getByTestId("restore").click();
      await port5.getByTestId("restore-form").waitFor();
      await screenshot(p, "restore-form-phone-zh");
      await phone.close();
      await ctx.close();
    },
    RESTORE_TEST_MS,
  );

  it(
    "keeps telemetry that arrives while the shed page is still loading",
    async () => {
      const g = stack.garden;
      const ctx = await newContext(browser, { lang: "en" });
      await tapStream(ctx);
      const page = await ctx.newPage();
      await signIn(page, TOKEN_GARDEN);
      // The shed's answer is read now but handed to the page only after newer
      // telemetry has reached the bridge and gone out on the page's stream.
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let answered!: () => void;
      const fetched = new Promise<void>((r) => {
        answered = r;
      });
      await page.route(`**/api/sites/${GARDEN.site}/sheds/${SHED_ID}`, async (route) => {
        const old = await route.fetch();
        answered();
        await held;
        await route.fulfill({ response: old });
      });
      await page.goto(`${stack.baseUrl}/#/shed/${GARDEN.site}/${SHED_ID}`);
      await fetched;
      await g.send(g.telemetry([180, 0, 0, 90, 0, 0, 1250, 0], [6]));
      // Only once the page's stream has delivered the cut port 7 (1250 W is sent nowhere else)
      // is the older answer handed over: the page must keep the newer state it already has.
      await streamCarried(page, '"powerW":1250', LOADED_MS);
      release();
      const port7 = page.locator('section[data-port="6"]');
      await expect.poll(() => port7.getAttribute("data-relay"), SLOW_POLL).toBe("off");
      await ctx.close();
    },
    RESTORE_TEST_MS,
  );

  it("raised no script error in the pages", () => {
    expect(watched.flat().filter((e) => !/40[13]/.test(e))).toEqual([]);
  });
});
