/** Pieces shared by the views: loading and error states, kind names, debounce. */
import { h, replace } from "../dom.js";
import { t, tDynamic } from "../i18n.js";

/** @param {HTMLElement} root */
export function showLoading(root) {
  replace(root, h("p", { class: "muted", "data-testid": "loading" }, t("app.loading")));
}

/**
 * @param {HTMLElement} root
 * @param {unknown} err
 * @param {() => void} retry
 */
export function showError(root, err, retry) {
  const reason = err instanceof Error ? err.message : String(err);
  replace(
    root,
    h(
      "div",
      { class: "error", role: "alert" },
      h("p", null, t("app.error", { reason })),
      h("button", { type: "button", onclick: retry }, t("app.retry")),
    ),
  );
}

/** @param {string} kind */
export function kindName(kind) {
  return tDynamic(`kind.${kind}`, kind);
}

/**
 * @param {() => void} fn
 * @param {number} ms
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

/**
 * Signal strength as text and a 0-4 bar count (-50 dBm or better is full).
 * @param {number | undefined} dbm
 */
export function signal(dbm) {
  if (dbm === undefined) return h("span", { class: "muted" }, "–");
  const bars = Math.max(0, Math.min(4, Math.round((dbm + 100) / 12.5)));
  return h(
    "span",
    { class: `signal signal-${bars}`, title: `${dbm} dBm` },
    h(
      "span",
      { class: "signal-bars", "aria-hidden": "true" },
      [1, 2, 3, 4].map((i) => h("i", { class: i <= bars ? "on" : undefined })),
    ),
    ` ${dbm} dBm`,
  );
}

/**
 * Runs `fn` at most once per `ms`, trailing: a burst of calls gives one run at the end of the window.
 * @param {() => void} fn
 * @param {number} ms
 */
export function throttle(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
