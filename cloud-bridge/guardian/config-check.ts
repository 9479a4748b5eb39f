/** Cross-checks of cloud.yaml `guardian` that the schema cannot express (paths named). */
import type { BridgeConfig } from "../config/types.js";

export function checkGuardianConfig(c: BridgeConfig, show: (v: unknown) => string): string[] {
  const errors: string[] = [];
  const hooks = new Set(c.webhooks.map((w) => w.name));
  const g = c.guardian;
  const kindOwner = new Map<string, number>();
  g.chains.forEach((chain, i) => {
    chain.kinds.forEach((k, j) => {
      const other = kindOwner.get(k);
      if (other !== undefined)
        errors.push(
          `/guardian/chains/${i}/kinds/${j}: kind also carried by chain ${other} (value: ${show(k)})`,
        );
      kindOwner.set(k, i);
    });
    chain.steps.forEach((s, j) => {
      if (!s.family && s.webhooks.length === 0)
        errors.push(`/guardian/chains/${i}/steps/${j}: tells nobody (set family or webhooks)`);
      s.webhooks.forEach((n, k) => {
        if (!hooks.has(n))
          errors.push(
            `/guardian/chains/${i}/steps/${j}/webhooks/${k}: no webhook has this name (value: ${show(n)})`,
          );
      });
    });
  });
  const seen = new Set<string>();
  g.residents.forEach((r, i) => {
    if (!c.sites[r.site])
      errors.push(`/guardian/residents/${i}/site: unknown site (value: ${show(r.site)})`);
    const key = `${r.site}/${r.deviceId}`;
    if (seen.has(key))
      errors.push(`/guardian/residents/${i}: resident listed twice (value: ${show(key)})`);
    seen.add(key);
    r.family.forEach((n, k) => {
      if (!hooks.has(n))
        errors.push(
          `/guardian/residents/${i}/family/${k}: no webhook has this name (value: ${show(n)})`,
        );
    });
    if (r.dailySummary && r.family.length === 0)
      errors.push(
        `/guardian/residents/${i}/dailySummary: the resident has no family to send it to`,
      );
  });
  return errors;
}
