/**
 * `haitang flash`: from a blank board to a commissioned, reporting device.
 *
 *  1 check      the gateway answers; the board answers and is the type asked for
 *  2 identity   a random device id and a fresh 128-bit key (never printed); a
 *               detector also its building's current group key from the gateway
 *  3 build      the image for kind + board + identity + thresholds
 *  4 install    the image into the board's flash (Storage), read back, hash checked
 *  5 verify     read firmware version and identity back from the board
 *  6 register   device + key in the gateway registry (only after 5 passed)
 *  7 first frame + self-test, through the gateway (skipped with --no-wait)
 *  8 report     printed, saved as text + JSON, posted to the gateway
 *
 * Nothing is left half-registered: a failure after step 6 removes the
 * registration, so no key of a failed install stays in the registry.
 */
import { userInfo } from "node:os";
import type { Board } from "../firmware/build/boards.js";
import type { DeviceConfig, DeviceKind } from "../firmware/device-config.js";
import { deviceIdHex } from "../protocol/uplink.js";
import { type BoardSession, openBoardSession } from "./board-session.js";
import { type CommissioningReport, saveReport } from "./commissioning-report.js";
import { FlashError } from "./flash-error.js";
import type { AcceptedFrame, GatewayApi, GatewayDevice } from "./gateway-api.js";
import { type DeviceIdentity, newIdentity } from "./identity.js";
import { deviceConfigFor, type InstallConfig } from "./install-config.js";
import type { ProgressSink } from "./progress.js";
import { selfTestVerdict } from "./self-test.js";

export interface BuiltImage {
  code: string;
  sha256: string;
  size: number;
  /** "major.minor.patch" the image reports as HAITANG_FIRMWARE_VERSION, when the build says. */
  version?: string;
}

export type BuildImage = (req: {
  kind: DeviceKind;
  board: string;
  device: DeviceConfig;
}) => BuiltImage | Promise<BuiltImage>;

export interface FlashRequest {
  kind: DeviceKind;
  board: Board;
  port: string;
  site: string;
  /** Where the device is; with `replaces`, defaults to the old device's. */
  location?: string;
  building?: string;
  shed?: string;
  config?: InstallConfig;
  /** Device id of the hardware this one replaces (its placement, alarms and history move). */
  replaces?: number;
  /** false: register and announce, but do not wait for the first frame or self-test. */
  wait: boolean;
  reportDir?: string;
  baud?: number;
  /** How long the board may take to answer process.env (ms). */
  boardAnswerTimeoutMs?: number;
  firstFrameTimeoutMs?: number;
  selfTestTimeoutMs?: number;
  /** One self-test attempt; after it the device is restarted so it listens again (ms). */
  selfTestRoundMs?: number;
  installer?: string;
}

export interface FlashDeps {
  build: BuildImage;
  gateway: GatewayApi;
  progress: ProgressSink;
  /** Toolchain log lines (for --verbose and error details). */
  toolchainLog?: string[];
  now?: () => number;
  identity?: () => DeviceIdentity;
}

export interface FlashResult {
  report: CommissioningReport;
  files?: { json: string; text: string };
}

const STEPS = 8;
/** How long one self-test attempt may take before the device is made to send again. */
const SELF_TEST_ROUND_MS = 8000;

export async function flashDevice(req: FlashRequest, deps: FlashDeps): Promise<FlashResult> {
  const now = deps.now ?? Date.now;
  const p = deps.progress;
  const durations: Record<string, number> = {};
  let stepStart = now();
  const stepDone = (name: string) => {
    const t = now();
    durations[name] = t - stepStart;
    stepStart = t;
  };

  // Gateway and board are checked before anything is built: an installer on
  // a ladder should learn of a dead gateway or a wrong board at once.
  p.step(1, STEPS, `checking the gateway and the board on ${req.port}`);
  await deps.gateway.probe();
  const session = await openBoardSession(req.port, {
    baud: req.baud ?? 9600,
    log: deps.toolchainLog ?? [],
    answerTimeoutMs: req.boardAnswerTimeoutMs ?? 6000,
  });
  let registeredId: number | undefined;
  try {
    const place = await placementFor(req, deps.gateway);
    const env = await session.identifyBoard(req.board);
    p.info(`found ${env.board} running Espruino ${env.version}`);
    stepDone("check");

    p.step(2, STEPS, "creating the device identity and key");
    const identity = await freshIdentity(deps);
    // A detector gets its building's group key from the gateway, so the gateway's group
    // sounding reaches it from its first day (docs/protocol.md, building group sounding).
    const group =
      req.kind === "smoke" && place.building !== undefined
        ? await deps.gateway.buildingGroup(place.building)
        : undefined;
    if (group) p.info(`building group of ${group.building}, epoch ${group.epoch}`);
    const device = deviceConfigFor(
      req.kind,
      req.board,
      group ? { ...identity, group: { id: group.id, key: group.key } } : identity,
      req.config,
    );
    const idHex = deviceIdHex(identity.deviceId);
    p.info(`device ${idHex} (${req.kind}) for ${req.site} / ${place.location}`);
    stepDone("identity");

    p.step(3, STEPS, `building the ${req.kind} image for ${req.board.name}`);
    const image = await buildImage(deps.build, req, device);
    p.info(
      `image ${image.size} of ${req.board.codeBudgetBytes} bytes, sha256 ${image.sha256.slice(0, 16)}…`,
    );
    stepDone("build");

    p.step(4, STEPS, "installing the image in the board's flash (Storage) and verifying it");
    await session.installToStorage(image.code, (s) => p.upload(s.sentBytes, s.totalBytes));
    stepDone("upload");

    p.step(5, STEPS, "reading the firmware version and identity back from the board");
    const readBack = await session.readIdentity();
    const versionOk = image.version === undefined || readBack.version === image.version;
    if (readBack.deviceId !== identity.deviceId || !versionOk) {
      throw new FlashError(
        "verify-failed",
        `the board reports device ${deviceIdHex(readBack.deviceId)} firmware ${readBack.version}, ` +
          `expected ${idHex} firmware ${image.version ?? "(any)"}`,
        "The image on the board is not the one just built: run the same command again.",
      );
    }
    p.info(`board runs firmware ${readBack.version} as device ${idHex}`);
    stepDone("verify");

    p.step(6, STEPS, `registering ${idHex} with the gateway ${deps.gateway.url}`);
    await deps.gateway.register({
      deviceId: identity.deviceId,
      kind: req.kind,
      keyHex: identity.keyHex,
      site: req.site,
      ...place,
      heartbeatS: device.heartbeatS,
      sleepy: device.listenWindowMs > 0,
      board: req.board.name,
      firmware: readBack.version,
      ...(group ? { groupEpoch: group.epoch } : {}),
    });
    registeredId = identity.deviceId;
    const registeredAt = now();
    stepDone("register");

    let firstFrame: CommissioningReport["firstFrame"];
    let selfTest: CommissioningReport["selfTest"];
    if (req.wait) {
      p.step(7, STEPS, "waiting for the first authenticated frame, then the self-test");
      const result = await firstFrameAndSelfTest(
        deps,
        session,
        req,
        identity.deviceId,
        registeredAt,
      );
      firstFrame = result.firstFrame;
      selfTest = result.selfTest;
    } else {
      p.step(7, STEPS, "restarting the device; not waiting for its first frame (--no-wait)");
      await session.restartProgram();
    }
    if (req.replaces !== undefined) {
      // Last: the old hardware is retired only once the new one has proven itself.
      p.info(`moving ${deviceIdHex(req.replaces)} (placement, alarms, history) to ${idHex}`);
      await deps.gateway.unregister(identity.deviceId);
      await deps.gateway.replace(req.replaces, identity.deviceId, identity.keyHex);
    }
    registeredId = undefined; // commissioned: nothing below undoes it
    stepDone("first-frame");

    p.step(8, STEPS, "writing the commissioning report");
    const report: CommissioningReport = {
      v: 1,
      status: req.wait ? "commissioned" : "flashed-not-waited",
      device: idHex,
      deviceId: identity.deviceId,
      kind: req.kind,
      board: { asked: req.board.name, reported: env.board, espruino: env.version },
      site: req.site,
      ...place,
      ...(req.replaces !== undefined ? { replaces: deviceIdHex(req.replaces) } : {}),
      firmware: {
        version: readBack.version,
        sha256: image.sha256,
        sizeBytes: image.size,
        budgetBytes: req.board.codeBudgetBytes,
      },
      thresholds: thresholdsOf(device),
      heartbeatS: device.heartbeatS,
      gateway: deps.gateway.url,
      ...(firstFrame ? { firstFrame } : {}),
      ...(selfTest ? { selfTest } : {}),
      time: new Date(now()).toISOString(),
      installer: req.installer ?? userInfo().username,
      durationsMs: durations,
    };
    try {
      await deps.gateway.postReport(report);
    } catch (err) {
      p.info(`warning: the gateway did not store the report (${(err as Error).message})`);
    }
    const files = req.reportDir ? saveReport(req.reportDir, report) : undefined;
    stepDone("report");
    return files ? { report, files } : { report };
  } catch (err) {
    if (registeredId !== undefined) await unregisterAfterFailure(deps.gateway, registeredId, err);
    throw err;
  } finally {
    await session.close();
  }
}

/** Building, location and shed: as given, else (when replacing) the old device's. */
async function placementFor(
  req: FlashRequest,
  gateway: GatewayApi,
): Promise<{ location: string; building?: string; shed?: string }> {
  let old: GatewayDevice | undefined;
  if (req.replaces !== undefined) {
    old = await gateway.getDevice(req.replaces);
    const oldHex = deviceIdHex(req.replaces);
    if (old?.status !== "active") {
      throw new FlashError(
        "bad-input",
        `device ${oldHex} is not an active device of this gateway, so it cannot be replaced`,
        "Check the id with `haitang devices list`; flash without --replace to add a new device.",
      );
    }
    if (old.kind !== req.kind) {
      throw new FlashError(
        "bad-input",
        `device ${oldHex} is a ${old.kind}, not a ${req.kind}`,
        `Pass --kind ${old.kind} to replace it.`,
      );
    }
  }
  const location = req.location ?? old?.location;
  if (!location) {
    throw new FlashError(
      "bad-input",
      "no --location given",
      'Pass --location "Building 3, 2-201".',
    );
  }
  const building = req.building ?? old?.building;
  const shed = req.shed ?? old?.shed;
  return {
    location,
    ...(building !== undefined ? { building } : {}),
    ...(shed !== undefined ? { shed } : {}),
  };
}

/** A new identity whose id the gateway does not know yet. */
async function freshIdentity(deps: FlashDeps): Promise<DeviceIdentity> {
  const make = deps.identity ?? newIdentity;
  for (let tries = 0; tries < 8; tries++) {
    const identity = make();
    if ((await deps.gateway.getDevice(identity.deviceId)) === undefined) return identity;
  }
  throw new Error("could not find a device id the gateway does not know yet");
}

async function buildImage(build: BuildImage, req: FlashRequest, device: DeviceConfig) {
  let image: BuiltImage;
  try {
    image = await build({ kind: req.kind, board: req.board.name, device });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/budget|too big|too large|exceeds/i.test(msg)) {
      throw new FlashError(
        "image-too-big",
        `the ${req.kind} image does not fit ${req.board.name}: ${msg}`,
        tooBigAdvice(req),
      );
    }
    throw new FlashError(
      "build-failed",
      `the firmware build failed: ${msg}`,
      "Report this build error with the command line used.",
    );
  }
  if (image.size > req.board.codeBudgetBytes) {
    throw new FlashError(
      "image-too-big",
      `the ${req.kind} image is ${image.size} bytes; ${req.board.name} takes at most ` +
        `${req.board.codeBudgetBytes}`,
      tooBigAdvice(req),
    );
  }
  return image;
}

export function tooBigAdvice(req: { kind: DeviceKind; board: Board }): string {
  return req.kind === "charger"
    ? "Use a board with more memory (--board esp32 or wifi) or fewer ports in the config file."
    : "Use a board with more memory (--board pico or esp32).";
}

function thresholdsOf(d: DeviceConfig): Record<string, unknown> {
  return { ...(d.smoke ?? d.charger ?? d.guardian ?? {}), listenWindowMs: d.listenWindowMs };
}

/**
 * Opens the gateway's event stream, queues the self-test (a sleepy device
 * hears commands only just after it sends), restarts the board's program so
 * it boots and announces itself under the new registration, then waits for
 * its first accepted frame and its self-test result.
 */
async function firstFrameAndSelfTest(
  deps: FlashDeps,
  session: BoardSession,
  req: FlashRequest,
  deviceId: number,
  registeredAt: number,
): Promise<{
  firstFrame: NonNullable<CommissioningReport["firstFrame"]>;
  selfTest: NonNullable<CommissioningReport["selfTest"]>;
}> {
  const p = deps.progress;
  const idHex = deviceIdHex(deviceId);
  const watch = await deps.gateway.watchDevice(deviceId);
  try {
    await deps.gateway.requestSelfTest(deviceId);
    await session.restartProgram();
    const firstMs = req.firstFrameTimeoutMs ?? 60_000;
    const first = await watch.next(() => true, firstMs);
    if (!first) {
      throw new FlashError(
        "no-first-frame",
        `the gateway heard nothing from ${idHex} within ${Math.round(firstMs / 1000)} s`,
        "Check that the radio is fitted and in range of a gateway receiver, then flash again " +
          "(the registration was removed).",
      );
    }
    const heard = first.receivers[0];
    const firstFrame = {
      receivedAt: new Date(first.receivedAt).toISOString(),
      ...(heard ? { receiver: heard.receiver } : {}),
      ...(heard?.rssi !== undefined ? { rssi: heard.rssi } : {}),
      afterRegistrationMs: Math.max(0, first.receivedAt - registeredAt),
    };
    p.info(
      `first frame (${first.msg.type}) via ${firstFrame.receiver ?? "?"}` +
        (firstFrame.rssi !== undefined ? ` at ${firstFrame.rssi} dBm` : ""),
    );
    const testMs = req.selfTestTimeoutMs ?? 60_000;
    const isVerdict = (f: AcceptedFrame) => selfTestVerdict(req.kind, f) !== undefined;
    const deadline = Date.now() + testMs;
    const roundMs = req.selfTestRoundMs ?? SELF_TEST_ROUND_MS;
    let verdictFrame = await watch.next(isVerdict, Math.min(testMs, roundMs));
    // A sleepy device hears the queued command only in the short window after it
    // sends; if that window was missed, make it send again.
    while (!verdictFrame && Date.now() < deadline) {
      p.info("no self-test result yet: restarting the device so it listens again");
      await deps.gateway.requestSelfTest(deviceId);
      await session.restartProgram();
      const left = deadline - Date.now();
      verdictFrame = await watch.next(isVerdict, Math.max(0, Math.min(left, roundMs)));
    }
    if (!verdictFrame) {
      throw new FlashError(
        "self-test-failed",
        `no self-test result from ${idHex} within ${Math.round(testMs / 1000)} s`,
        "The device reports but did not run its self-test: check its firmware and flash again " +
          "(the registration was removed).",
      );
    }
    const verdict = selfTestVerdict(req.kind, verdictFrame)!;
    p.info(`self-test ${verdict.result}: ${verdict.detail}`);
    if (verdict.result === "failed") {
      throw new FlashError(
        "self-test-failed",
        `device ${idHex} failed its self-test: ${verdict.detail}`,
        "Replace the detector head or battery and flash again; the device was not commissioned.",
      );
    }
    return {
      firstFrame,
      selfTest: { ...verdict, at: new Date(verdictFrame.receivedAt).toISOString() },
    };
  } finally {
    watch.close();
  }
}

async function unregisterAfterFailure(gateway: GatewayApi, deviceId: number, cause: unknown) {
  try {
    await gateway.unregister(deviceId);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (cause instanceof FlashError) {
      throw new FlashError(
        cause.code,
        `${cause.message}\nand removing the registration failed: ${why}`,
        `${cause.whatToDo} First run: haitang devices decommission ${deviceIdHex(deviceId)}`,
      );
    }
    throw err;
  }
}

export type { BoardSession };
