/**
 * Alarm evidence in Chinese: each phrasing the gateway's rules write
 * (gateway/rules/*.ts) comes out in words of the zh dictionary, with its
 * numbers, units and device ids unchanged; English leaves nothing behind.
 */
import { describe, expect, it } from "vitest";

type Translate = (key: string, vars: Record<string, string>) => string;
const { evidenceText } = (await import(new URL("./js/evidence.js", import.meta.url).href)) as {
  evidenceText(text: string, t: Translate): string;
};
const dict = async (lang: string) =>
  (
    (await import(new URL(`./js/lang/${lang}.js`, import.meta.url).href)) as {
      default: Record<string, string>;
    }
  ).default;
const translator =
  (d: Record<string, string>): Translate =>
  (key, vars) =>
    (d[key] ?? key).replace(/\{(\w+)\}/g, (m, n: string) => vars[n] ?? m);

/** Evidence as the gateway's rules write it. */
const SAMPLES: Array<[string, string[]]> = [
  [
    "charger-cut port 3: overload at 1350 W, 31.2 °C, session 1800 s",
    ["充电桩断电", "3 号口", "过载", "功率 1350 W", "31.2 °C", "充电时长 1800 秒"],
  ],
  ["charger-cut shed: shed-total at 9100 W, 30 °C, session 0 s", ["车棚", "车棚总功率超限"]],
  [
    "smoke-alarm: smoke 12.5 %/m, battery 2900 mV",
    ["烟雾报警", "烟雾浓度 12.5 %/m", "电池 2900 mV"],
  ],
  ["tamper: smoke 0 %/m", ["被拆卸"]],
  [
    "shed shed-a total 9,100 W over the 8,700 W limit for 6 s; cut 00c4a002 port 1 (newest session, 1,400 W)",
    [
      "车棚 shed-a 总功率 9,100 W，超过 8,700 W 限值已 6 秒",
      "切断 00c4a002",
      "1 号口",
      "最新的充电会话，1,400 W",
    ],
  ],
  [
    "0a1b2c3d silent for 2.5 h since its last frame (heartbeat 3600 s, limit 2 x = 2 h)",
    ["0a1b2c3d 已 2.5 h 无信号", "心跳 3600 秒"],
  ],
  [
    "0a1b2c3d silent for 2.5 h since its gateway start (heartbeat 3600 s, limit 2 x = 2 h)",
    ["自网关启动起"],
  ],
  [
    "port 2: sudden step: 120 W -> 1,050 W in 2 s (a step of 600 W or more to 800 W or more); port cut",
    ["2 号口", "功率突变", "120 W → 1,050 W", "已切断该口"],
  ],
  [
    "port 1: flat resistive load: 950-960 W (spread 1 % <= 3 %) at or above 800 W for 60 s over 12 readings, no charging taper (change +0.5 %, a taper falls by 5 % or more)",
    ["平稳的阻性负载：950-960 W", "波动 1 % ≤ 3 %", "共 12 次读数", "没有充电末期的功率递减"],
  ],
  [
    "temperature on port 1 68 °C above 65 °C (clears at 60) for 12 s",
    ["1 号口", "高于 65 °C", "持续 12 秒"],
  ],
  [
    "5 frames claiming to be 0000abcd rejected within 3 s (bad-mac)",
    ["3 秒内拒绝了 5 个冒充 0000abcd 的帧"],
  ],
];

describe("alarm evidence in the page's language", () => {
  it("rewrites every phrasing of the gateway's rules in Chinese, numbers and ids unchanged", async () => {
    const t = translator(await dict("zh"));
    for (const [en, parts] of SAMPLES) {
      const zh = evidenceText(en, t);
      for (const p of parts) expect(zh, en).toContain(p);
      // No English word left (ids are hex, units are short; "bad-mac" is a counter name).
      expect(zh.replace(/bad-mac|temperature|shed-a|[0-9a-f]{8}/g, ""), en).not.toMatch(
        /[a-z]{4,}/i,
      );
    }
  });

  it("gives back the gateway's own words with the English dictionary", async () => {
    const t = translator(await dict("en"));
    for (const [en] of SAMPLES) expect(evidenceText(en, t)).toBe(en);
  });
});
