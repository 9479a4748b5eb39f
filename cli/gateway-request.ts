/**
 * One call of the gateway's admin API for a CLI command (`haitang devices`,
 * `haitang ota`): HTTP Basic with the install password, JSON both ways. Errors
 * are printed as `haitang <command>: ...` with a hint for a wrong password.
 */

export interface GatewayCall {
  /** "devices list", for messages. */
  command: string;
  gateway: string | undefined;
  password: string | undefined;
  method: string;
  path: string;
  body?: unknown;
}

/** The answer's JSON, or undefined after printing why the call failed. */
export async function gatewayRequest(
  c: GatewayCall,
): Promise<{ ok: boolean; answer: Record<string, unknown> } | undefined> {
  const base = (c.gateway ?? "http://127.0.0.1:8080").replace(/\/$/, "");
  const password = c.password ?? process.env.HAITANG_INSTALL_PASSWORD ?? "";
  let res: Response;
  try {
    res = await fetch(`${base}${c.path}`, {
      method: c.method,
      headers: {
        authorization: `Basic ${Buffer.from(`installer:${password}`).toString("base64")}`,
        "content-type": "application/json",
      },
      ...(c.method === "POST" ? { body: JSON.stringify(c.body ?? {}) } : {}),
    });
  } catch (err) {
    const name = c.command.split(" ")[0];
    process.stderr.write(
      `haitang ${name}: cannot reach the gateway at ${base}: ${(err as Error).message}\n`,
    );
    return undefined;
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const hint = res.status === 401 ? " (give --password or set HAITANG_INSTALL_PASSWORD)" : "";
    process.stderr.write(
      `haitang ${c.command}: ${res.status} ${String(answer.error ?? res.statusText)}${hint}\n`,
    );
  }
  return { ok: res.ok, answer };
}
