/**
 * A record of what a page's live stream (/api/stream, read with fetch by
 * web-common/js/sse.js) has delivered to the page, so a test can wait until an
 * event has reached the page instead of sleeping and hoping it has.
 */
import type { BrowserContext, Page } from "playwright-core";

// A string, not a function: this file is type-checked without the DOM library. The page gets
// the stream's body unchanged (one branch of a tee); the other branch is appended, as text, to
// window.__haitangStream.
const TAP = `(() => {
  const original = window.fetch.bind(window);
  window.__haitangStream = "";
  window.fetch = async (input, init) => {
    const res = await original(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes("/api/stream") || !res.body) return res;
    const [forPage, forTest] = res.body.tee();
    const reader = forTest.pipeThrough(new TextDecoderStream()).getReader();
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        window.__haitangStream += value;
      }
    })().catch(() => {});
    return new Response(forPage, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
})();`;

/** Records the live stream of every page of `ctx` opened from now on. */
export async function tapStream(ctx: BrowserContext): Promise<void> {
  await ctx.addInitScript({ content: TAP });
}

/** Waits until the page's live stream has delivered text containing `text` (a tapped context). */
export async function streamCarried(page: Page, text: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(`(window.__haitangStream ?? "").includes(${JSON.stringify(text)})`, {
    timeout: timeoutMs,
    polling: 50,
  });
}
