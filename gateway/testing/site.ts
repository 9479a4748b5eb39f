/** Site configs for gateway tests, loaded through gw-rules' real loader (schema defaults filled in). */
import { join } from "node:path";
import { loadSiteConfig } from "../config/load.js";
import type { SiteConfig } from "../config/site-config.js";

export interface TestSiteOptions {
  dir: string;
  httpPort: number;
  mqttPort: number;
  serial?: Array<{ name: string; path: string }>;
  /** Extra YAML appended at top level (devices, rules...). */
  extra?: string;
  diskCapMB?: number;
}

export function testSiteYaml(o: TestSiteOptions): string {
  const serial = (o.serial ?? [])
    .map((s) => `  - { name: ${s.name}, path: ${JSON.stringify(s.path)}, baud: 115200 }`)
    .join("\n");
  return `site: test-site
gateway: gw-test
database: ${JSON.stringify(join(o.dir, "gateway.db"))}
diskCapMB: ${o.diskCapMB ?? 64}
serial:${serial ? `\n${serial}` : " []"}
mqtt: { mode: embedded, host: 127.0.0.1, port: ${o.mqttPort} }
http: { host: 127.0.0.1, port: ${o.httpPort} }
buildings:
  - { id: b1, flats: ["101", "102", "201"] }
  - { id: b2, flats: ["101"] }
sheds:
  - { id: shed-a, building: b1, limitW: 8700, ports: 12 }
${o.extra ?? ""}
`;
}

export function testSite(o: TestSiteOptions): SiteConfig {
  const r = loadSiteConfig({ text: testSiteYaml(o), baseDir: o.dir });
  if (!r.ok)
    throw new Error(`test site config invalid: ${r.errors.map((e) => e.message).join("; ")}`);
  return r.config;
}
