/**
 * An alarm's evidence in the page's language. The gateway writes evidence in
 * English, one phrasing per rule (gateway/rules/*.ts); this module rewrites
 * the known phrases with the page's dictionary (keys `ev.*`, placeholders {a}
 * {b} ... for the captured values). Numbers, units and device ids stay as
 * they are; a phrase it does not know is left in English. Pure: the caller
 * passes its `t`.
 */

/** [phrase, dictionary key]; longer phrases first, so their parts are not rewritten alone. */
const PHRASES = /** @type {Array<[RegExp, string]>} */ ([
  [/shed (\S+) total ([\d.,]+) W over the ([\d.,]+) W limit for ([\d.,]+) s/g, "ev.shedOver"],
  [/\(newest session, ([\d.,]+) W\)/g, "ev.newestSession"],
  [/; cut ([0-9a-f]{8}) /g, "ev.cutDevice"],
  [
    /([0-9a-f]{8}) silent for (.+?) since its last frame \(heartbeat (\d+) s, limit ([\d.]+) x = (.+?)\)/g,
    "ev.silent",
  ],
  [
    /([0-9a-f]{8}) silent for (.+?) since its gateway start \(heartbeat (\d+) s, limit ([\d.]+) x = (.+?)\)/g,
    "ev.silentSinceStart",
  ],
  [/sudden step: ([\d.,]+) W -> ([\d.,]+) W in ([\d.,]+) s/g, "ev.step"],
  [/\(a step of ([\d.,]+) W or more to ([\d.,]+) W or more\)/g, "ev.stepRule"],
  [/flat resistive load: ([\d.,-]+) W/g, "ev.flat"],
  [/\(spread ([\d.,]+) % <= ([\d.,]+) %\)/g, "ev.spread"],
  [/at or above ([\d.,]+) W for ([\d.,]+) s over (\d+) readings/g, "ev.atOrAbove"],
  [
    /no charging taper \(change ([+-]?[\d.,]+) %, a taper falls by ([\d.,]+) % or more\)/g,
    "ev.noTaper",
  ],
  [/(\d+) frames claiming to be ([0-9a-f]{8}) rejected within ([\d.,]+) s/g, "ev.forged"],
  [/no door or motion activity at ([0-9a-f]{8})/g, "ev.noActivity"],
  [/inside the window \(limit (.+?) in (\S+)\)/g, "ev.window"],
  [/last activity (.+?) local time/g, "ev.lastActivity"],
  [/smoke ([\d.,]+) %\/m/g, "ev.smoke"],
  [/battery (\d+) mV/g, "ev.battery"],
  [/session (\d+) s/g, "ev.session"],
  [/\bat ([\d.,]+) W/g, "ev.atW"],
  [/above ([\d.,]+) (\S+) \(clears at ([\d.,]+)\)/g, "ev.above"],
  [/below ([\d.,]+) (\S+) \(clears at ([\d.,]+)\)/g, "ev.below"],
  [/ for ([\d.,]+) s\b/g, "ev.forS"],
  [/\bon port (\d+)/g, "ev.onPort"],
  [/\bport (\d+)/g, "ev.port"],
  [/; port cut/g, "ev.portCut"],
  [/\bsmoke-alarm\b/g, "ev.smoke-alarm"],
  [/\bsmoke-clear\b/g, "ev.smoke-clear"],
  [/\bsmoke-hush\b/g, "ev.smoke-hush"],
  [/\bsmoke-fault\b/g, "ev.smoke-fault"],
  [/\bself-test-fail\b/g, "ev.self-test-fail"],
  [/\btamper-clear\b/g, "ev.tamper-clear"],
  [/\btamper\b/g, "ev.tamper"],
  [/\blow-battery\b/g, "ev.low-battery"],
  [/\bend-of-life\b/g, "ev.end-of-life"],
  [/\bcharger-cut\b/g, "ev.charger-cut"],
  [/\bcharger-restored\b/g, "ev.charger-restored"],
  [/\billegal-suspected\b/g, "ev.illegal-suspected"],
  [/\brefused\b/g, "ev.refused"],
  [/\bshed-total\b/g, "ev.shed-total"],
  [/\bover-temp\b/g, "ev.over-temp"],
  [/\bshort-circuit\b/g, "ev.short-circuit"],
  [/\bfull-charge\b/g, "ev.full-charge"],
  [/\btime-limit\b/g, "ev.time-limit"],
  [/\billegal-load\b/g, "ev.illegal-load"],
  [/\boverload\b/g, "ev.overload"],
  [/\bshed(?=:)/g, "ev.shed"],
]);

/**
 * @param {string} text evidence as the gateway wrote it
 * @param {(key: string, vars: Record<string, string>) => string} t the page's translate function
 */
export function evidenceText(text, t) {
  let out = text;
  for (const [re, key] of PHRASES)
    out = out.replace(re, (...m) => {
      /** @type {Record<string, string>} */
      const vars = {};
      "abcdef".split("").forEach((name, i) => {
        const v = m[i + 1];
        if (typeof v === "string") vars[name] = v;
      });
      return t(key, vars);
    });
  return out;
}
