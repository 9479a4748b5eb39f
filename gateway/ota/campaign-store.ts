/**
 * Campaigns and per-device progress in the gateway's SQLite file, so a
 * campaign survives a gateway restart: the rollout resumes at its stage and
 * each transfer at the chunks the gateway last knew the device held (the
 * device's own map in flash is the truth; the first query corrects this).
 */
import { type GatewayDatabase, migrate } from "../storage/database.js";
import type { CampaignRules, DeviceProgress, DeviceUpdateState } from "./campaign-plan.js";

const MIGRATIONS = [
  `CREATE TABLE ota_campaigns (
     id TEXT PRIMARY KEY,
     version TEXT NOT NULL,
     rules TEXT NOT NULL,
     paused INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE ota_devices (
     campaign TEXT NOT NULL REFERENCES ota_campaigns(id),
     device_id INTEGER NOT NULL,
     stage INTEGER NOT NULL,
     state TEXT NOT NULL,
     percent INTEGER NOT NULL DEFAULT 0,
     reason TEXT,
     chunk_map TEXT,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (campaign, device_id)
   );`,
  // What each device gets (image and manifest), so a restart resumes the same bytes.
  `ALTER TABLE ota_campaigns ADD COLUMN selector TEXT NOT NULL DEFAULT '{}';
   ALTER TABLE ota_campaigns ADD COLUMN aborted INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE ota_images (
     campaign TEXT NOT NULL REFERENCES ota_campaigns(id),
     device_id INTEGER NOT NULL,
     manifest BLOB NOT NULL,
     image BLOB NOT NULL,
     PRIMARY KEY (campaign, device_id)
   );`,
];

export interface StoredCampaign {
  id: string;
  version: string;
  rules: CampaignRules;
  paused: boolean;
  createdAt: number;
  /** Which devices it was started for (kind, board, building, from version), for people. */
  selector?: Record<string, string>;
  aborted?: boolean;
}

/** One device's bytes in a campaign. */
export interface DeviceImage {
  deviceId: number;
  manifest: Uint8Array;
  image: Uint8Array;
}

export class CampaignStore {
  constructor(private readonly db: GatewayDatabase) {
    migrate(db, "ota", MIGRATIONS);
  }

  create(c: StoredCampaign, stages: Map<number, number>, images: DeviceImage[] = []): void {
    const insert = this.db.transaction(() => {
      this.db
        .prepare(
          "INSERT INTO ota_campaigns (id, version, rules, paused, created_at, selector) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(
          c.id,
          c.version,
          JSON.stringify(c.rules),
          c.paused ? 1 : 0,
          c.createdAt,
          JSON.stringify(c.selector ?? {}),
        );
      const dev = this.db.prepare(
        "INSERT INTO ota_devices (campaign, device_id, stage, state, updated_at) VALUES (?, ?, ?, 'queued', ?)",
      );
      for (const [id, stage] of stages) dev.run(c.id, id, stage, c.createdAt);
      const img = this.db.prepare(
        "INSERT INTO ota_images (campaign, device_id, manifest, image) VALUES (?, ?, ?, ?)",
      );
      for (const i of images)
        img.run(c.id, i.deviceId, Buffer.from(i.manifest), Buffer.from(i.image));
    });
    insert();
  }

  images(id: string): DeviceImage[] {
    const rows = this.db
      .prepare("SELECT device_id, manifest, image FROM ota_images WHERE campaign = ?")
      .all(id) as { device_id: number; manifest: Buffer; image: Buffer }[];
    return rows.map((r) => ({
      deviceId: r.device_id,
      manifest: new Uint8Array(r.manifest),
      image: new Uint8Array(r.image),
    }));
  }

  setAborted(id: string): void {
    this.db.prepare("UPDATE ota_campaigns SET aborted = 1 WHERE id = ?").run(id);
  }

  campaigns(): StoredCampaign[] {
    const rows = this.db.prepare("SELECT * FROM ota_campaigns ORDER BY created_at").all() as {
      id: string;
      version: string;
      rules: string;
      paused: number;
      created_at: number;
      selector: string;
      aborted: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      version: r.version,
      rules: JSON.parse(r.rules) as CampaignRules,
      paused: r.paused === 1,
      createdAt: r.created_at,
      selector: JSON.parse(r.selector) as Record<string, string>,
      aborted: r.aborted === 1,
    }));
  }

  setPaused(id: string, paused: boolean): void {
    this.db.prepare("UPDATE ota_campaigns SET paused = ? WHERE id = ?").run(paused ? 1 : 0, id);
  }

  devices(id: string): (DeviceProgress & { chunkMap?: string })[] {
    const rows = this.db
      .prepare("SELECT * FROM ota_devices WHERE campaign = ? ORDER BY stage, device_id")
      .all(id) as {
      device_id: number;
      stage: number;
      state: DeviceUpdateState;
      percent: number;
      reason: string | null;
      chunk_map: string | null;
    }[];
    return rows.map((r) => {
      const p: DeviceProgress & { chunkMap?: string } = {
        deviceId: r.device_id,
        stage: r.stage,
        state: r.state,
        percent: r.percent,
      };
      if (r.reason !== null) p.reason = r.reason;
      if (r.chunk_map !== null) p.chunkMap = r.chunk_map;
      return p;
    });
  }

  progress(
    id: string,
    deviceId: number,
    p: { state: DeviceUpdateState; percent: number; reason?: string; chunkMap?: string },
    now: number,
  ): void {
    this.db
      .prepare(
        "UPDATE ota_devices SET state = ?, percent = ?, reason = ?, chunk_map = COALESCE(?, chunk_map), updated_at = ? WHERE campaign = ? AND device_id = ?",
      )
      .run(p.state, p.percent, p.reason ?? null, p.chunkMap ?? null, now, id, deviceId);
  }
}
