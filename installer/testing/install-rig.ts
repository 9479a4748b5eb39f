/**
 * A commissioning bench without hardware, for the installer's tests and
 * benchmark: a real gateway service (temp SQLite, HTTP API, one serial
 * receiver on a shared radio pty) and virtual Espruino boards on their own
 * USB ptys, wired like healthy devices of a kind.
 */
import { type Logger, memoryLogger } from "../../common/log.js";
import { findBoard } from "../../firmware/build/boards.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { GatewayService } from "../../gateway/service.js";
import { testSite } from "../../gateway/testing/site.js";
import { findBoardProfile } from "../../simulator/virtual-board/board-profiles.js";
import { healthyWiring, type Wiring } from "../../simulator/virtual-board/healthy-wiring.js";
import { sandboxHost } from "../../simulator/virtual-board/sandbox-host.js";
import { SharedRadio } from "../../simulator/virtual-board/shared-radio.js";
import {
  VirtualBoard,
  type VirtualBoardOptions,
} from "../../simulator/virtual-board/virtual-board.js";
import { freePort, tmpDir } from "../../tests/support/services.js";
import { HttpGatewayClient } from "../gateway-client.js";

export { healthyWiring, type Wiring };

export const RIG_PASSWORD = "install-secret";

export interface RigBoardOptions
  extends Partial<Omit<VirtualBoardOptions, "dir" | "firmwareHost" | "radio">> {
  /** Board type to wire for (our name, e.g. "pico"); default "pico". */
  board?: string;
  /** Wire sensors for this kind (default smoke). */
  kind?: DeviceKind;
  wiring?: Wiring;
}

/** The rig gateway's site group secret (interlink.groupSecret). */
export const RIG_GROUP_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

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
      // The building group sounding is on: a flashed detector gets its building's group key.
      extra: `interlink: { groupSecret: "${RIG_GROUP_SECRET}" }`,
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
    const board = findBoard(profile?.name ?? type);
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
