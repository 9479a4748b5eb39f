/**
 * Time from `haitang flash` to a commissioned device (build, upload through
 * the Espruino toolchain, save, read-back, registration, first frame,
 * self-test, report), against virtual Pico boards on ptys and a real gateway.
 *
 *   npm run build && node dist/bench/installer-flash.js [singles] [batch]
 *
 * Prints: the first flash in a fresh process (cold: the build loads esbuild,
 * TypeScript and terser), the median of `singles` further single flashes,
 * and `batch` smoke detectors flashed one after another (total and per device).
 */
import { findBoard } from "../firmware/build/boards.js";
import { firmwareBuilder } from "../installer/firmware-builder.js";
import { flashDevice } from "../installer/flash.js";
import { memoryProgress } from "../installer/progress.js";
import { InstallRig } from "../installer/testing/install-rig.js";

const singles = Number(process.argv[2] ?? 5);
const batch = Number(process.argv[3] ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const rig = await InstallRig.start();
  const build = firmwareBuilder();
  const pico = findBoard("pico")!;
  const stages: Record<string, number[]> = {};
  const flashOne = async (i: number): Promise<number> => {
    const board = await rig.addBoard({ kind: "smoke", name: `bench${i}` });
    const t0 = performance.now();
    const { report } = await flashDevice(
      {
        kind: "smoke",
        board: pico,
        port: board.consolePath,
        site: "bench-site",
        location: `Building 1, flat ${i}`,
        building: "b1",
        wait: true,
        firstFrameTimeoutMs: 30_000,
        selfTestTimeoutMs: 30_000,
      },
      { build, gateway: rig.client(), progress: memoryProgress() },
    );
    const ms = performance.now() - t0;
    if (report.selfTest?.result !== "passed") throw new Error("self-test did not pass");
    for (const [k, v] of Object.entries(report.durationsMs)) {
      stages[k] = [...(stages[k] ?? []), v];
    }
    return ms;
  };
  try {
    let n = 0;
    const cold = await flashOne(n++);
    const warm: number[] = [];
    for (let i = 0; i < singles; i++) warm.push(await flashOne(n++));
    const batchStart = performance.now();
    const perDevice: number[] = [];
    for (let i = 0; i < batch; i++) perDevice.push(await flashOne(n++));
    const batchTotal = performance.now() - batchStart;

    console.log(
      "installer flash: command -> commissioned (smoke detector, virtual Pico, real gateway)",
    );
    console.log(`  first flash in a fresh process (cold build): ${sec(cold)}`);
    console.log(`  single device, median of ${singles}: ${sec(median(warm))}`);
    console.log(
      `  ${batch} devices one after another: total ${sec(batchTotal)}, per device median ` +
        `${sec(median(perDevice))}, p90 ${sec(pct(perDevice, 90))}`,
    );
    console.log("  stage medians over all flashes:");
    for (const [k, v] of Object.entries(stages))
      console.log(`    ${k.padEnd(12)} ${sec(median(v))}`);
    console.log(`  devices registered in the gateway: ${rig.gateway.health().devices}`);
  } finally {
    await rig.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
