/** Sign in with a fleet API token; the token is checked against the API before it is kept. */
import { listSites } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { clearToken, HttpError, setToken } from "../session.js";

/** @type {import("../app.js").View} */
export function loginView(root, ctx) {
  const expired = sessionStorage.getItem("haitang.expired") === "1";
  sessionStorage.removeItem("haitang.expired");
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
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
    const value = input.value.trim();
    if (!value) return;
    button.disabled = true;
    message.textContent = "";
    setToken(value);
    try {
      await listSites();
      ctx.navigate("#/sites");
    } catch (err) {
      clearToken();
      message.textContent =
        err instanceof HttpError && (err.status === 401 || err.status === 403)
          ? t("login.bad")
          : t("app.error", { reason: err instanceof Error ? err.message : String(err) });
      button.disabled = false;
    }
  };
  root.append(
    h(
      "form",
      { class: "card login", onsubmit: submit },
      h("h1", null, t("login.title")),
      h("p", { class: "muted" }, t("login.intro")),
      h("label", { for: "token" }, t("login.token")),
      input,
      message,
      button,
    ),
  );
  input.focus();
}
