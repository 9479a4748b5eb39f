/**
 * The district cockpit in a real headless Chromium against the real chain
 * (two compounds, each a gateway service on a serial pty -> Mosquitto ->
 * cloud bridge -> page): a fire at one compound puts it first with its fire
 * counted; open alarms by severity, a shed over its limit and the response
 * times (an acknowledgement through the gateway) show; every row drills down
 * to its site, shed and alarm.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMOKE_ALARM } from "../../protocol/constants.js";
import { waitFor } from "../support/services.js";
import { launchBrowser, newContext, screenshot, watchErrors } from "./support/browser.js";
import { POLL, signIn as signInAs } from "./support/sign-in.js";
import { GARDEN, RIVER, type Stack, startStack, TOKEN_ALL } from "./support/stack.js";

// Four pages signed in one after the other: 9.5 s on an idle machine, 42-47 s at load 13.
describe("district cockpit", { timeout: 180_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  const watched: string[][] = [];
  const signIn = (p: Page, token: string) => {
    watched.push(watchErrors(p).errors);
    return signInAs(p, stack.baseUrl, token);
  };
  const api = async (path: string, init: RequestInit = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN_ALL}`, "content-type": "application/json" },
    });

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("lists the fire site first, counts what is open and drills down to site, shed and alarm", async () => {
    // Garden: a shed over its 9,000 W limit and an acknowledged overload. River: a fire.
    const g = stack.garden;
    await g.send(g.telemetry([1300, 1200, 1250, 1100, 1200, 1150, 1000, 1000], [0]));
    await g.send(g.cutEvent(0, 1300));
    const overload = await waitFor(async () => {
      const res = await api(`/api/sites/${GARDEN.site}/alarms?active=true`);
      const body = (await res.json()) as { alarms: Array<{ kind: string; alarmId: string }> };
      return body.alarms.find((a) => a.kind === "port-overload")?.alarmId;
    }, "the overload alarm");
    const ack = await api(`/api/sites/${GARDEN.site}/alarms/${encodeURIComponent(overload)}/ack`, {
      method: "POST",
      body: JSON.stringify({ comment: "seen" }),
    });
    expect(ack.status).toBe(200);
    await stack.river.smoke(SMOKE_ALARM);
    await waitFor(async () => {
      const c = (await (await api("/api/cockpit")).json()) as {
        sites: Array<{ site: string; fire: number; response: { ack: { n: number } } }>;
      };
      const garden = c.sites.find((s) => s.site === GARDEN.site);
      return c.sites[0]?.fire === 1 && garden?.response.ack.n === 1 ? true : undefined;
    }, "the fire and the acknowledgement in the cockpit");

    const ctx = await newContext(browser, { lang: "en" });
    const page = await ctx.newPage();
    await signIn(page, TOKEN_ALL);
    await page.goto(`${stack.baseUrl}/#/cockpit`);
    const rows = page.locator("table.cockpit tbody tr");
    await expect.poll(() => rows.count(), POLL).toBe(2);
    expect(await rows.first().getAttribute("data-site")).toBe(RIVER.site);
    expect(await rows.first().getAttribute("data-fire")).toBe("1");
    expect(await page.getByTestId("t-fire").locator(".tile-value").textContent()).toBe("1");
    expect(await page.getByTestId("t-critical").locator(".tile-value").textContent()).toBe("1");
    expect(await page.getByTestId("t-sheds").locator(".tile-value").textContent()).toBe("0 / 1");
    const garden = page.locator(`tr[data-site="${GARDEN.site}"]`);
    expect(await garden.getByTestId("ack").textContent()).toMatch(/s|min/);
    await screenshot(page, "cockpit-en");

    // Drill down: the fire alarm, then back, the garden's worst shed.
    await rows.first().getByTestId("top-alarm").click();
    await page.waitForURL(/#\/alarm\/hz-river\//);
    await page.getByTestId("timeline").waitFor();
    await page.goBack();
    await garden.locator('a[href^="#/shed/"]').click();
    await page.waitForURL(/#\/shed\/hz-garden\/shed-a$/);
    await page.goBack();
    await garden.locator("th a").first().click();
    await page.waitForURL(/#\/site\/hz-garden$/);

    for (const [lang, phone, name] of [
      ["zh", false, "cockpit-zh"],
      ["en", true, "cockpit-phone-en"],
      ["zh", true, "cockpit-phone-zh"],
    ] as const) {
      const c = await newContext(browser, { lang, phone });
      const p = await c.newPage();
      await signIn(p, TOKEN_ALL);
      await p.goto(`${stack.baseUrl}/#/cockpit`);
      await p.locator("table.cockpit tbody tr").first().waitFor();
      await screenshot(p, name);
      await c.close();
    }
    await ctx.close();
  });

  it("raised no script error in the pages", () => {
    expect(watched.flat()).toEqual([]);
  });
});
