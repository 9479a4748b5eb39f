/**
 * Work orders in a real headless Chromium against the real chain (gateway on
 * a serial pty -> Mosquitto -> cloud bridge -> page): an operator hands a fire
 * alarm to a grid worker; the worker takes it through its steps on a phone,
 * with a note and a photo; the missed deadline escalates it (the bridge runs
 * on a virtual clock the test moves on); the alarm's timeline shows every
 * step; a resident's report (随手拍) arrives through the site link without a
 * login and is assigned; the orders survive a bridge restart.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMOKE_ALARM } from "../../protocol/constants.js";
import { waitFor } from "../support/services.js";
import { launchBrowser, newContext, screenshot, watchErrors } from "./support/browser.js";
import { POLL, signIn as signInAs } from "./support/sign-in.js";
import {
  GARDEN,
  REPORT_KEY,
  type Stack,
  startStack,
  TOKEN_GARDEN,
  TOKEN_VIEWER,
  TOKEN_WORKER,
  WORKER,
} from "./support/stack.js";

/** A 1×1 PNG: the photo a worker takes on site. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const MIN = 60_000;

// Several pages and phones per test: 8 s on an idle machine, 37-38 s at load 13.
describe("work orders", { timeout: 180_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  /** The bridge's virtual clock: real time plus what the test skipped. */
  let skipMs = 0;
  const watched: string[][] = [];
  let alarmId = "";
  let orderId = "";

  const api = async (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
  const signIn = (p: Page, token: string) => {
    watched.push(watchErrors(p).errors);
    return signInAs(p, stack.baseUrl, token);
  };

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startStack({ now: () => Date.now() + skipMs }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("takes a fire alarm through its steps on a phone and escalates it when the deadline passes", async () => {
    await stack.garden.smoke(SMOKE_ALARM);
    alarmId = await waitFor(async () => {
      const res = await api(`/api/sites/${GARDEN.site}/alarms?active=true`, TOKEN_GARDEN);
      const body = (await res.json()) as { alarms: Array<{ kind: string; alarmId: string }> };
      return body.alarms.find((a) => a.kind === "fire")?.alarmId;
    }, "the fire alarm at the bridge");

    // The operator dispatches the alarm from its page.
    const desk = await newContext(browser, { lang: "en" });
    const op = await desk.newPage();
    await signIn(op, TOKEN_GARDEN);
    await op.goto(`${stack.baseUrl}/#/alarm/${GARDEN.site}/${encodeURIComponent(alarmId)}`);
    const form = op.getByTestId("dispatch-form");
    await form.locator("input[name=assignee]").fill(WORKER);
    await form.locator("input[name=note]").fill("Check flat 101, the detector is sounding");
    await form.locator("button[type=submit]").click();
    await op.getByTestId("dispatched").waitFor({ timeout: POLL.timeout });
    expect(await op.getByTestId("dispatched").textContent()).toContain(WORKER);

    // The worker's phone: only their orders.
    const phone = await newContext(browser, { lang: "en", phone: true });
    const p = await phone.newPage();
    await signIn(p, TOKEN_WORKER);
    await p.goto(`${stack.baseUrl}/#/orders`);
    const card = p.getByTestId("work-order");
    await expect.poll(() => card.count(), POLL).toBe(1);
    orderId = String(await card.getAttribute("data-id"));
    expect(await card.getAttribute("data-state")).toBe("assigned");
    expect(await card.locator("h2").textContent()).toContain("Fire");
    expect(await card.getByTestId("wo-overdue").count()).toBe(0);
    await screenshot(p, "work-order-phone-en");

    // Someone else may not step it; the worker may not close it.
    const other = await api(
      `/api/sites/${GARDEN.site}/work-orders/${orderId}/steps`,
      TOKEN_VIEWER,
      { method: "POST", body: JSON.stringify({ to: "on-the-way" }) },
    );
    expect(other.status).toBe(403);
    const close = await api(
      `/api/sites/${GARDEN.site}/work-orders/${orderId}/steps`,
      TOKEN_WORKER,
      {
        method: "POST",
        body: JSON.stringify({ to: "closed" }),
      },
    );
    expect(close.status).toBe(403);

    await card.getByTestId("wo-step-on-the-way").click();
    await expect.poll(() => card.getAttribute("data-state"), POLL).toBe("on-the-way");
    await card.locator("textarea[name=note]").fill("Smoke from a pan, window open");
    await card.locator("input[name=photo]").setInputFiles({
      name: "kitchen.png",
      mimeType: "image/png",
      buffer: PNG,
    });
    await card.getByTestId("wo-step-on-site").click();
    await expect.poll(() => card.getAttribute("data-state"), POLL).toBe("on-site");

    // The critical deadline (15 min) passes on the bridge's clock: one level up, shown live.
    skipMs += 16 * MIN;
    await stack.bridge.escalateNow();
    await card.getByTestId("wo-level").waitFor({ timeout: POLL.timeout });
    expect(await card.getByTestId("wo-level").getAttribute("data-level")).toBe("1");
    expect(await card.getByTestId("wo-level").textContent()).toContain("grid leader");
    expect(await card.getByTestId("wo-overdue").count()).toBe(1);
    await screenshot(p, "work-order-escalated-phone-en");
    // Checking again before the new deadline changes nothing.
    await stack.bridge.escalateNow();
    skipMs += 16 * MIN;
    await stack.bridge.escalateNow();
    await expect
      .poll(() => card.getByTestId("wo-level").getAttribute("data-level"), POLL)
      .toBe("2");

    await card.getByTestId("wo-step-resolved").click();
    await expect.poll(() => card.getAttribute("data-state"), POLL).toBe("resolved");
    expect(await card.getByTestId("wo-overdue").count()).toBe(0);
    const steps = await card
      .locator("[data-step]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
    expect(steps).toEqual([
      "created",
      "assigned",
      "on-the-way",
      "on-site",
      "escalated",
      "escalated",
      "resolved",
    ]);

    // The photo is kept with its step.
    const full = (await (
      await api(`/api/sites/${GARDEN.site}/work-orders/${orderId}`, TOKEN_WORKER)
    ).json()) as { steps: Array<{ what: string; photo?: string; note?: string }> };
    const onSite = full.steps.find((s) => s.what === "on-site")!;
    expect(onSite.note).toBe("Smoke from a pan, window open");
    expect(onSite.photo).toMatch(/^data:image\/jpeg;base64,/);

    // The alarm's timeline shows the order's steps.
    await op.reload();
    const timeline = op.getByTestId("timeline");
    await expect
      .poll(async () => (await timeline.textContent()) ?? "", POLL)
      .toContain("Work order resolved");
    const text = (await timeline.textContent()) ?? "";
    for (const s of ["Work order assigned", "Grid worker on site", "Work order escalated"])
      expect(text).toContain(s);
    await screenshot(op, "work-order-alarm-timeline-en");

    const zh = await newContext(browser, { lang: "zh", phone: true });
    const pz = await zh.newPage();
    await signIn(pz, TOKEN_WORKER);
    await pz.goto(`${stack.baseUrl}/#/orders`);
    await pz.getByTestId("work-order").first().waitFor();
    await screenshot(pz, "work-order-phone-zh");
    await zh.close();
    await phone.close();
    await desk.close();
  });

  it("turns a resident's report into an open work order that an operator assigns", async () => {
    const res = await newContext(browser, { lang: "zh", phone: true });
    const r = await res.newPage();
    watched.push(watchErrors(r).errors);
    await r.goto(`${stack.baseUrl}/#/snap/${GARDEN.site}?k=${REPORT_KEY}`);
    const form = r.getByTestId("snap-form");
    await form.locator("input[name=place]").fill("3 号楼 2 单元楼道");
    await form.locator("textarea[name=text]").fill("楼道里有电动车在充电");
    await screenshot(r, "snap-form-phone-zh");
    await form.locator("button[type=submit]").click();
    await r.getByTestId("snap-done").waitFor({ timeout: POLL.timeout });
    const reportId = /wo-\d+/.exec((await r.getByTestId("snap-done").textContent()) ?? "")?.[0];
    expect(reportId).toBeDefined();

    // A wrong key is refused; one address may send only so many (3 an hour in this stack).
    const post = (key: string) =>
      fetch(`${stack.baseUrl}/api/public/sites/${GARDEN.site}/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key, place: "gate", text: "blocked fire exit" }),
      });
    expect((await post("not-the-key-of-this-site")).status).toBe(403);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(REPORT_KEY)).status);
    expect(statuses).toEqual([201, 201, 429]);

    const desk = await newContext(browser, { lang: "en" });
    const op = await desk.newPage();
    await signIn(op, TOKEN_GARDEN);
    await op.goto(`${stack.baseUrl}/#/work-orders/${GARDEN.site}`);
    const card = op.locator(`[data-testid=work-order][data-id="${reportId}"]`);
    await expect.poll(() => card.getAttribute("data-state"), POLL).toBe("open");
    expect(await card.locator("h2").textContent()).toContain("楼道里有电动车在充电");
    await screenshot(op, "work-orders-site-en");
    await card.getByTestId("wo-assign").locator("input").fill(WORKER);
    await card.getByTestId("wo-assign").locator("button").click();
    await expect.poll(() => card.getAttribute("data-state"), POLL).toBe("assigned");
    const mine = (await (await api("/api/work-orders", TOKEN_WORKER)).json()) as {
      orders: Array<{ id: string }>;
    };
    expect(mine.orders.map((o) => o.id)).toContain(reportId);
    await res.close();
    await desk.close();
  });

  it("keeps the work orders across a bridge restart", async () => {
    await stack.restartBridge();
    const back = (await (
      await api(`/api/sites/${GARDEN.site}/work-orders/${orderId}`, TOKEN_GARDEN)
    ).json()) as { state: string; level: number; steps: unknown[] };
    expect(back).toMatchObject({ state: "resolved", level: 2 });
    expect(back.steps).toHaveLength(7);
  });

  it("raised no script error in the pages", () => {
    expect(watched.flat().filter((e) => !/40[13]|429/.test(e))).toEqual([]);
  });
});
