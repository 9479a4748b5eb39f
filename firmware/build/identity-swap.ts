/**
 * A generic image: built once per (kind, board, settings) with a placeholder
 * identity, then given each device's id and key by putting them in place of
 * the placeholder's literals. The minifier inlines the id as a bare number and
 * the key as a string, each once; when that is not so (or the id would print
 * in exponent form) the swap is refused and the device needs a build of its
 * own. Used by the simulator (one build for a fleet) and by the gateway's
 * firmware-update campaigns (one release image for many devices).
 */

export const PLACEHOLDER_ID = 305419896; // 0x12345678
export const PLACEHOLDER_KEY = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/** The id as a numeric token of its own (not part of a longer number or name). */
const ID_TOKEN = new RegExp(`(?<![\\w.$])${PLACEHOLDER_ID}(?![\\w.])`, "g");
const KEY_TOKEN = `"${PLACEHOLDER_KEY}"`;

/** The placeholder image with a device's id and key, or undefined when they are not each there once. */
export function swapIdentity(code: string, deviceId: number, keyHex: string): string | undefined {
  const ids = code.match(ID_TOKEN)?.length ?? 0;
  const keys = code.split(KEY_TOKEN).length - 1;
  if (ids !== 1 || keys !== 1) return undefined;
  // Terser prints round numbers in exponent form (123e3): such ids cannot take the slot.
  if (/000$/.test(String(deviceId))) return undefined;
  return code.replace(ID_TOKEN, String(deviceId)).replace(KEY_TOKEN, `"${keyHex}"`);
}
