/** Signs a page in to the property firm's dashboard with a fleet token and waits for the live stream. */
import type { Page } from "playwright-core";
import { expect } from "vitest";

/**
 * Live updates cross several processes; give them time on a loaded CI machine (10-20 times
 * slower than idle at load 15-20). Only a failing poll waits this long.
 */
export const POLL = { timeout: 45_000, interval: 50 };

export async function signIn(p: Page, baseUrl: string, token: string): Promise<void> {
  await p.goto(`${baseUrl}/`);
  await p.locator("#token").fill(token);
  await p.locator("form.login button[type=submit]").click();
  await p.waitForURL(/#\/sites$/);
  await expect.poll(() => p.getByTestId("live").getAttribute("class"), POLL).toContain("live-open");
}
