/**
 * Sites by the names people know them by: the bridge config's `sites.<id>.name`
 * (from /api/me), the id when a site has none. Loaded once per sign-in and
 * shared by every view that names a site (the fire banner, alarms, buildings).
 */
import { me } from "./api.js";

/** @type {Map<string, string>} */
let names = new Map();
/** @type {Promise<void> | undefined} */
let pending;

/** Loads the names once; a failed load is tried again on the next call. */
export function loadSiteNames() {
  pending ??= me().then(
    (m) => {
      names = new Map(Object.entries(m.siteNames));
    },
    () => {
      pending = undefined;
    },
  );
  return pending;
}

/** The site's name, or its id before the names are in or when it has none. @param {string} site */
export function siteLabel(site) {
  return names.get(site) ?? site;
}

/** Forgets the names (sign-out: the next token may see other sites). */
export function forgetSiteNames() {
  names = new Map();
  pending = undefined;
}
