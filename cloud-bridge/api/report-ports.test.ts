import { describe, expect, it } from "vitest";
import type { ShedView } from "../live/views.js";
import { reportPorts } from "./report-ports.js";

const shed = (id: string, chargers: string[]): ShedView => ({
  shed: id,
  gateway: "gw",
  ts: 0,
  historical: false,
  tempC: 20,
  totalPowerW: 0,
  chargers: chargers.map((deviceId) => ({
    deviceId,
    gateway: "gw",
    ts: 0,
    historical: false,
    tempC: 20,
    totalPowerW: 0,
    ports: 4,
  })),
  ports: [],
});

describe("the weekly report's ports", () => {
  it("names each cut or overloaded port as people read it, with its peak", () => {
    const rows = reportPorts(
      [
        { labels: { device: "0000c0d2", port: "0", reason: "overload" }, value: 2 },
        { labels: { device: "0000c0d2", port: "all", reason: "shed-total" }, value: 1 },
        { labels: { device: "0000c0d9", port: "3", reason: "overload" }, value: 1 },
      ],
      [{ labels: { device: "0000c0d2", port: "0", kind: "port-overload" }, value: 1 }],
      [
        { labels: { device: "0000c0d2", port: "0" }, value: 1350 },
        { labels: { device: "0000c0d1", port: "1" }, value: 400 },
      ],
      [shed("shed-a", ["0000c0d1", "0000c0d2"]), shed("0000c0d9", ["0000c0d9"])],
    );
    expect(rows).toEqual([
      {
        deviceId: "0000c0d9",
        port: 3,
        shed: "0000c0d9",
        portNo: 4,
        where: "0000c0d9 port 4",
        cuts: 1,
        overloadAlarms: 0,
      },
      {
        deviceId: "0000c0d2",
        port: 0,
        shed: "shed-a",
        chargerNo: 2,
        portNo: 1,
        where: "shed-a charger 2 port 1",
        cuts: 2,
        overloadAlarms: 1,
        peakW: 1350,
      },
    ]);
  });
});
