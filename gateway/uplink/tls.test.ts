/**
 * The uplink over TLS with a client certificate, against a Mosquitto that
 * requires one (certificates made by openssl for the test).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinary, tmpDir, waitFor } from "../../tests/support/services.js";
import { MemoryOutbox } from "../outbox/memory-outbox.js";
import { PRIORITY_ALARM } from "../types.js";
import { startConfiguredMosquitto, type TestBroker } from "./test-broker.js";
import { UplinkClient } from "./uplink-client.js";

const dir = tmpDir("haitang-tls-");
let port = 0;
const pem = (name: string) => readFileSync(join(dir.path, name));

function openssl(args: string[]): void {
  execFileSync(requireBinary("openssl", "openssl"), args, { cwd: dir.path, stdio: "pipe" });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, each signed by `caName`. */
function makeCertificates(caName: string, prefix = ""): void {
  const key = (name: string) => [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    name,
  ];
  openssl([
    "req",
    "-x509",
    ...key(`${prefix}ca.key`),
    "-out",
    `${prefix}ca.crt`,
    "-days",
    "1",
    "-subj",
    `/CN=${caName}`,
  ]);
  for (const [who, cn, ext] of [
    ["server", "127.0.0.1", "subjectAltName=IP:127.0.0.1"],
    ["client", "s1-gw", "extendedKeyUsage=clientAuth"],
  ] as const) {
    openssl([
      "req",
      ...key(`${prefix}${who}.key`),
      "-out",
      `${prefix}${who}.csr`,
      "-subj",
      `/CN=${cn}`,
    ]);
    writeFileSync(join(dir.path, `${prefix}${who}.ext`), `${ext}\n`);
    openssl([
      "x509",
      "-req",
      "-in",
      `${prefix}${who}.csr`,
      "-CA",
      `${prefix}ca.crt`,
      "-CAkey",
      `${prefix}ca.key`,
      "-CAcreateserial",
      "-out",
      `${prefix}${who}.crt`,
      "-days",
      "1",
      "-extfile",
      `${prefix}${who}.ext`,
    ]);
  }
}

let broker: TestBroker | undefined;

beforeAll(async () => {
  makeCertificates("haitang-test-ca");
  makeCertificates("someone-else", "other-");
  broker = await startConfiguredMosquitto(dir.path, [
    `cafile ${join(dir.path, "ca.crt")}`,
    `certfile ${join(dir.path, "server.crt")}`,
    `keyfile ${join(dir.path, "server.key")}`,
    "require_certificate true",
    "use_identity_as_username true",
    "allow_anonymous false",
  ]);
  port = broker.port;
});

afterAll(async () => {
  await broker?.stop();
  dir.remove();
});

function tlsUplink(
  outbox: MemoryOutbox,
  tls: NonNullable<ConstructorParameters<typeof UplinkClient>[0]["tls"]>,
) {
  return new UplinkClient({
    url: `mqtts://127.0.0.1:${port}`,
    site: "s1",
    gateway: "gw",
    clientId: `gw-${Math.random().toString(16).slice(2)}`,
    outbox,
    tls,
    reconnect: { minMs: 50, maxMs: 200 },
  });
}

const item = () => ({
  priority: PRIORITY_ALARM,
  topic: "haitang/v1/s1/gw/alarm",
  payload: "{}",
  key: "alarm/00000001",
  createdAt: Date.now(),
});

describe("uplink over TLS", () => {
  it("drains the outbox with a client certificate", async () => {
    const outbox = new MemoryOutbox();
    outbox.append([item()]);
    const up = tlsUplink(outbox, {
      ca: pem("ca.crt"),
      cert: pem("client.crt"),
      key: pem("client.key"),
    });
    up.start();
    try {
      await waitFor(
        () => (outbox.depth() === 0 ? true : undefined),
        "the entry delivered over TLS",
      );
    } finally {
      await up.stop();
    }
  });

  it("does not connect without a client certificate, nor to a broker its CA did not sign", async () => {
    const outbox = new MemoryOutbox();
    outbox.append([item()]);
    for (const tls of [
      { ca: pem("ca.crt") },
      { ca: pem("other-ca.crt"), cert: pem("client.crt"), key: pem("client.key") },
    ]) {
      const up = tlsUplink(outbox, tls);
      up.start();
      try {
        await waitFor(
          () => (up.stats.connectFailures >= 2 ? true : undefined),
          "refused connections",
        );
        expect(up.stats.connects).toBe(0);
      } finally {
        await up.stop();
      }
    }
    expect(outbox.depth()).toBe(1);
  });
});
