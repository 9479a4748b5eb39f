/**
 * A commissioning bench without hardware, for the installer's tests and
 * benchmark: a real gateway service (temp SQLite, HTTP API, one serial
 * receiver on a shared radio pty) and virtual Espruino boards on their own
 * USB ptys, wired like healthy devices of a kind.
 */
import { type Logger, memoryLogger } from "../../common/log.js";
import { type Board, findBoard } from "../../firmware/build/boards.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { ntcFraction } from "../../firmware/devices/shed-temperature.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { GatewayService } from "../../gateway/service.js";
import { testSite } from "../../gateway/testing/site.js";
import { findBoardProfile } from "../../simulator/virtual-board/board-profiles.js";
import { sandboxHost } from "../../simulator/virtual-board/sandbox-host.js";
import { SharedRadio } from "../../simulator/virtual-board/shared-radio.js";
import {
  VirtualBoard,
  type VirtualBoardOptions,
} from "../../simulator/virtual-board/virtual-board.js";
import { freePort, tmpDir } from "../../tests/support/services.js";
import { DEFAULT_CHARGER, defaultPins } from "../device-defaults.js";
import { HttpGatewayClient } from "../gateway-client.js";

export const RIG_PASSWORD = "install-secret";

export interface Wiring {
  analog: Record<string, number>;
  digital: Record<string, boolean>;
}

/**
 * Sensors of a healthy device on the pins installer/device-defaults.ts gives
 * it: clean-air chamber, a fresh battery, detector on its base, test button
 * up, door closed, shed at 25 °C, nothing charging.
 */
export function healthyWiring(kind: DeviceKind, board: Board): Wiring {
  const plan = defaultPins(kind, board, DEFAULT_CHARGER.ports);
  if (!plan.ok) throw new Error(plan.reason);
  const pin = (role: string) => plan.pins[role] as string;
  const w: Wiring = { analog: {}, digital: {} };
  if (kind === "smoke") {
    w.analog[pin("smoke")] = 0.02; // 40 of 2,000: clean air, chamber alive
    w.analog[pin("battery")] = 0.45; // 2,970 mV
    w.digital[pin("test")] = true; // button to ground: up
    w.digital[pin("tamper")] = false; // on its base
  } else if (kind === "guardian") {
    w.analog[pin("battery")] = 0.45;
    w.digital[pin("door")] = false; // closed
    w.digital[pin("motion")] = false;
  } else {
    w.analog[pin("temp")] = ntcFraction(250);
    for (let i = 0; i < DEFAULT_CHARGER.ports; i++) w.analog[pin(`power${i}`)] = 0;
  }
  return w;
}

export interface RigBoardOptions
  extends Partial<Omit<VirtualBoardOptions, "dir" | "firmwareHost" | "radio">> {
  /** Board type to wire for (our name, e.g. "pico"); default "pico". */
  board?: string;
  /** Wire sensors for this kind (default smoke). */
  kind?: DeviceKind;
  wiring?: Wiring;
}

export class InstallRig {
  readonly boards: VirtualBoard[] = [];
  private constructor(
    readonly dir: { path: string; remove(): void },
    readonly radio: SharedRadio,
    readonly gateway: GatewayService,
    readonly log: Logger,
  ) {}

  static async start(): Promise<InstallRig> {
    const dir = tmpDir("haitang-install-");
    const radio = new SharedRadio(dir.path, "radio");
    await radio.start();
    const config = testSite({
      dir: dir.path,
      httpPort: await freePort(),
      mqttPort: await freePort(),
      serial: [{ name: "radio", path: radio.hostPath }],
    });
    const log = memoryLogger("gateway");
    const gateway = new GatewayService({
      config,
      auth: new InstallAuth((p) => p === RIG_PASSWORD),
      log,
      tuning: { mergeWindowMs: 20 },
    });
    await gateway.start();
    return new InstallRig(dir, radio, gateway, log);
  }

  get url(): string {
    return `http://127.0.0.1:${this.gateway.httpPort()}`;
  }

  client(password = RIG_PASSWORD): HttpGatewayClient {
    return new HttpGatewayClient({ url: this.url, password });
  }

  /** A started virtual board on the shared radio, wired as a healthy device. */
  async addBoard(o: RigBoardOptions = {}): Promise<VirtualBoard> {
    const type = o.board ?? "pico";
    const profile = findBoardProfile(type);
    const board = findBoard(profile?.name === "puckjs" ? "PUCKJS" : (profile?.name ?? type));
    if (!profile || !board) throw new Error(`no board type ${type}`);
    const wiring = o.wiring ?? healthyWiring(o.kind ?? "smoke", board);
    const { board: _b, kind: _k, wiring: _w, ...rest } = o;
    const vb = new VirtualBoard({
      ...rest,
      dir: this.dir.path,
      name: o.name ?? `board${this.boards.length}`,
      board: type,
      radio: this.radio.attach(),
      firmwareHost: (radio) => sandboxHost(radio, { board: board.name, ...wiring }),
    });
    await vb.start();
    this.boards.push(vb);
    return vb;
  }

  async stop(): Promise<void> {
    for (const b of this.boards) await b.stop();
    await this.gateway.stop();
    await this.radio.stop();
    this.dir.remove();
  }
}
