/**
 * Firmware-update campaign routes (install password required), used by
 * `haitang ota` and the installer page:
 *   GET  /api/ota/campaigns              every campaign with per-device progress
 *   GET  /api/ota/campaigns/:id          one campaign
 *   POST /api/ota/campaigns              start {id?, kind, board?, building?, fromVersion?,
 *                                        release: {version, minVersion?, force?, image} |
 *                                        packages: [{deviceId, manifestHex, tagHex, image}],
 *                                        rules?: {canary?, stageShares?, maxFailureShare?}}
 *   POST /api/ota/campaigns/:id/pause | resume | abort
 * A refused package (forged tag, corrupted image) is listed in the answer and counted.
 */

import type { PackageInput } from "../ota/campaign-packages.js";
import type { CampaignRules } from "../ota/campaign-plan.js";
import { type StartRequest, startCampaign } from "../ota/campaign-start.js";
import type { OtaEngine } from "../ota/ota-engine.js";
import { HttpStatusError } from "./api-site.js";
import type { HttpBackend } from "./backend.js";
import { BadRequest, Fields, readJson } from "./body.js";
import type { Route } from "./router.js";

/** Packages for a few hundred devices (an image is at most ~16 KB). */
const MAX_CAMPAIGN_BODY_BYTES = 8 * 1024 * 1024;
const VERSION = /^\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function version(v: unknown, path: string): string {
  if (typeof v !== "string" || !VERSION.test(v))
    throw new BadRequest(`${path}: must be a version like 1.2.0 (got ${JSON.stringify(v)})`);
  return v;
}

function release(v: unknown): NonNullable<StartRequest["release"]> {
  if (typeof v !== "object" || v === null) throw new BadRequest("release: must be an object");
  const r = v as Record<string, unknown>;
  if (typeof r.image !== "string" || r.image.length === 0)
    throw new BadRequest("release.image: must be the generic image's text");
  const out: NonNullable<StartRequest["release"]> = {
    version: version(r.version, "release.version"),
    image: r.image,
  };
  if (r.minVersion !== undefined) out.minVersion = version(r.minVersion, "release.minVersion");
  if (r.force !== undefined) out.force = r.force === true;
  return out;
}

function packages(v: unknown): PackageInput[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new BadRequest("packages: must be a non-empty array");
  return v.map((p, i) => {
    const f = new Fields((p ?? {}) as Record<string, unknown>);
    const str = (k: string) => {
      const x = f.raw(k);
      if (typeof x !== "string") throw new BadRequest(`packages[${i}].${k}: must be a string`);
      return x;
    };
    return {
      deviceId: f.deviceId("deviceId"),
      manifestHex: str("manifestHex"),
      tagHex: str("tagHex"),
      image: str("image"),
    };
  });
}

function rules(v: unknown): Partial<CampaignRules> | undefined {
  if (v === undefined) return undefined;
  const f = new Fields((v ?? {}) as Record<string, unknown>);
  const out: Partial<CampaignRules> = {};
  const canary = f.optInt("canary", 0, 1000);
  if (canary !== undefined) out.canary = canary;
  const share = f.raw("maxFailureShare");
  if (share !== undefined) {
    if (typeof share !== "number" || share < 0 || share > 1)
      throw new BadRequest("rules.maxFailureShare: must be a number from 0 to 1");
    out.maxFailureShare = share;
  }
  const stages = f.raw("stageShares");
  if (stages !== undefined) {
    if (!Array.isArray(stages) || stages.some((x) => typeof x !== "number" || x <= 0 || x > 1))
      throw new BadRequest("rules.stageShares: must be an array of shares in (0, 1]");
    out.stageShares = stages as number[];
  }
  return out;
}

function engineOf(b: HttpBackend): OtaEngine {
  if (!b.ota) throw new HttpStatusError(503, "firmware updates are not available");
  return b.ota;
}

function campaignOf(b: HttpBackend, id: string | undefined) {
  const c = engineOf(b).get(id ?? "");
  if (!c) throw new HttpStatusError(404, `no campaign ${id}`);
  return c;
}

export function otaRoutes(b: HttpBackend): Route[] {
  const control = (op: "pause" | "resume" | "abort"): Route => ({
    method: "POST",
    path: `/api/ota/campaigns/:id/${op}`,
    handle: async (_req, params) => {
      const e = engineOf(b);
      const c = campaignOf(b, params.id);
      const done = op === "abort" ? e.abort(c.id, b.clock()) : e.setPaused(c.id, op === "pause");
      if (!done) throw new HttpStatusError(409, `campaign ${c.id} was aborted`);
      e.tick(b.clock());
      return { campaign: campaignOf(b, c.id) };
    },
  });
  return [
    {
      method: "GET",
      path: "/api/ota/campaigns",
      handle: async () => ({ campaigns: engineOf(b).list() }),
    },
    {
      method: "GET",
      path: "/api/ota/campaigns/:id",
      handle: async (_req, params) => ({ campaign: campaignOf(b, params.id) }),
    },
    {
      method: "POST",
      path: "/api/ota/campaigns",
      status: 201,
      handle: async (req) => {
        const e = engineOf(b);
        const body = await readJson(req, MAX_CAMPAIGN_BODY_BYTES);
        const f = new Fields(body);
        const selector: StartRequest["selector"] = { kind: f.kind("kind") };
        const board = f.optString("board", 32);
        const building = f.optString("building");
        const from = f.optString("fromVersion", 16);
        if (board !== undefined) selector.board = board;
        if (building !== undefined) selector.building = building;
        if (from !== undefined) selector.fromVersion = version(from, "fromVersion");
        const request: StartRequest = { selector };
        const id = f.optString("id", 64);
        if (id !== undefined) {
          if (!/^[A-Za-z0-9._-]+$/.test(id))
            throw new BadRequest("id: letters, digits, '.', '_' and '-' only");
          request.id = id;
        }
        if (f.has("release")) request.release = release(f.raw("release"));
        else if (f.has("packages")) request.packages = packages(f.raw("packages"));
        else throw new BadRequest("give release {version, image} or packages [...]");
        const r = rules(f.raw("rules"));
        if (r) request.rules = r;
        if (id !== undefined && e.get(id)) throw new HttpStatusError(409, `campaign ${id} exists`);
        const now = b.clock();
        const res = startCampaign(request, {
          devices: b.registry.list(),
          lookup: (d) => b.registry.get(d),
          engine: e,
          now,
        });
        if (!res.ok) throw new HttpStatusError(res.status, res.error, { refused: res.refused });
        e.tick(now);
        return { campaign: e.get(res.campaign.id), refused: res.refused };
      },
    },
    control("pause"),
    control("resume"),
    control("abort"),
  ];
}
