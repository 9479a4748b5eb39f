/**
 * A resident's report (随手拍, #/snap/:site?k=<site link key>): where, what,
 * and a photo. No login: whoever has the site's link may report; the bridge
 * checks the key and limits how often one address may send.
 */
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { shrinkPhoto } from "../photo.js";
import { sendReport } from "../work-order-api.js";

/** @type {import("../app.js").View} */
export function snapView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const key = ctx.query.get("k") ?? "";
  const place = h("input", {
    name: "place",
    required: true,
    maxlength: 200,
    placeholder: t("snap.placeHint"),
  });
  const text = h("textarea", {
    name: "text",
    rows: 4,
    required: true,
    maxlength: 1000,
    placeholder: t("snap.textHint"),
  });
  const photo = /** @type {HTMLInputElement} */ (
    h("input", { type: "file", name: "photo", accept: "image/*", capture: "environment" })
  );
  const message = h("p", { class: "form-message", role: "status", "data-testid": "snap-message" });
  const button = h("button", { type: "submit", class: "primary" }, t("snap.send"));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    if (!place.value.trim() || !text.value.trim()) return;
    button.disabled = true;
    message.textContent = "";
    try {
      /** @type {{ key: string, place: string, text: string, photo?: string }} */
      const body = { key, place: place.value.trim(), text: text.value.trim() };
      const file = photo.files?.[0];
      if (file) body.photo = await shrinkPhoto(file);
      const r = await sendReport(site, body);
      replace(form, h("p", { "data-testid": "snap-done" }, t("snap.done", { id: r.id })));
    } catch (err) {
      message.textContent = t("snap.failed", {
        reason: err instanceof Error ? err.message : String(err),
      });
      button.disabled = false;
    }
  };
  const form = h(
    "form",
    { class: "card snap", onsubmit: submit, "data-testid": "snap-form" },
    h("label", null, t("snap.place"), place),
    h("label", null, t("snap.text"), text),
    h("label", null, t("snap.photo"), " ", photo),
    button,
    message,
  );
  root.append(h("h1", null, t("snap.title")), h("p", { class: "muted" }, t("snap.intro")), form);
}
