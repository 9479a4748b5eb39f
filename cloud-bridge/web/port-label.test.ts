/**
 * The dashboard numbers ports by the rule of common/port-label.ts: both
 * implementations give the same numbers for the same shed.
 */
import { describe, expect, it } from "vitest";
import { portNumbers } from "../../common/port-label.js";

/** The browser module, typed by hand (the page's JS has no declarations for Node's type check). */
interface PageModule {
  portNumbers: typeof portNumbers;
  numberPorts<P extends { deviceId: string; devicePort: number }>(
    ports: P[],
  ): Array<P & { chargerNo: number | undefined; portNo: number }>;
}
const { numberPorts, portNumbers: pagePortNumbers } = (await import(
  new URL("./js/port-label.js", import.meta.url).href
)) as PageModule;

const SHEDS: string[][] = [["c1"], ["c2", "c1"], ["0000c0d3", "0000c0d1", "0000c0d2"], ["a", "a"]];

describe("the dashboard's port numbers", () => {
  it("are those of common/port-label.ts for every port of every shed", () => {
    for (const ids of SHEDS)
      for (const id of ids)
        for (let i = 0; i < 12; i++)
          expect(pagePortNumbers(i, id, ids)).toEqual(portNumbers(i, id, ids));
  });

  it("name a port of a shed of two chargers by the charger's position and its own port from 1", () => {
    const ports = numberPorts([
      { deviceId: "0000c0d1", devicePort: 0 },
      { deviceId: "0000c0d1", devicePort: 1 },
      { deviceId: "0000c0d2", devicePort: 0 },
    ]);
    expect(ports.map((p) => [p.chargerNo, p.portNo])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    expect(numberPorts([{ deviceId: "c1", devicePort: 4 }])[0]).toMatchObject({
      chargerNo: undefined,
      portNo: 5,
    });
  });
});
