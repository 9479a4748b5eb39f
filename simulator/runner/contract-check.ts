/**
 * Every message the gateway puts on the cloud broker goes through the cloud
 * bridge's own decoder (cloud-bridge/ingest/decode.ts, which validates with
 * the contract's schemas in protocol/uplink-schemas.ts). A rejection is a
 * broken contract: it goes into the trace and fails the run's built-in
 * "cloud contract" case.
 */
import { type DecodeResult, decodeUplink } from "../../cloud-bridge/ingest/decode.js";
import type { CaseResult } from "../report/junit.js";

/** Every site and gateway is admitted: this checks payloads, not the fleet list. */
const ANY_GATEWAY = { check: () => "ok" as const };

export interface ContractRejection {
  topic: string;
  reason: string;
  detail: string;
}

export class ContractCheck {
  checked = 0;
  readonly rejections: ContractRejection[] = [];

  /** Checks one message; returns the rejection, if any. */
  check(topic: string, payload: Uint8Array): ContractRejection | undefined {
    const r: DecodeResult = decodeUplink(topic, payload, ANY_GATEWAY);
    this.checked++;
    // A batch is accepted as a whole; each envelope the bridge would refuse in it counts here.
    const bad = r.ok ? (r.msg.kind === "batch" ? r.msg.rejected[0] : undefined) : r;
    if (!bad) return undefined;
    const rej = { topic, reason: bad.reason, detail: bad.detail };
    this.rejections.push(rej);
    return rej;
  }

  /** The run's built-in verdict case. */
  verdict(): CaseResult {
    const n = this.rejections.length;
    const first = this.rejections[0];
    return {
      name: "cloud contract: the bridge accepts every uplink",
      pass: n === 0 && this.checked > 0,
      detail:
        n === 0
          ? `${this.checked} uplinks checked with the bridge's decoder, none rejected`
          : `${n} of ${this.checked} uplinks rejected; first: ${first!.topic} ${first!.reason} ${first!.detail}`,
    };
  }
}
