/** Sign in with the installer password; it is checked against the API before it is kept. */
import { listDevices } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { clearToken, HttpError, setPassword } from "../session.js";

/** @type {import("../app.js").View} */
export function loginView(root, ctx) {
  const expired = sessionStorage.getItem("haitang.expired") === "1";
  sessionStorage.removeItem("haitang.expired");
  const input = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const message = h(
    "p",
    { class: "form-error", role: "alert", "data-testid": "login-error" },
    expired ? t("login.expired") : "",
  );
  const button = h("button", { type: "submit", class: "primary" }, t("login.submit"));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    if (!input.value) return;
    button.disabled = true;
    message.textContent = "";
    setPassword(input.value);
    try {
      // /api/health is open to all; the device list needs the password.
      await listDevices();
      ctx.navigate("#/devices");
    } catch (err) {
      clearToken();
      message.textContent =
        err instanceof HttpError && (err.status === 401 || err.status === 403)
          ? t("login.bad")
          : t("app.error", { reason: err instanceof Error ? err.message : String(err) });
      button.disabled = false;
      input.select();
    }
  };
  root.append(
    h(
      "form",
      { class: "card login", onsubmit: submit },
      h("h1", null, t("login.title")),
      h("p", { class: "muted" }, t("login.intro")),
      h("label", { for: "password" }, t("login.password")),
      input,
      message,
      button,
    ),
  );
  input.focus();
}
