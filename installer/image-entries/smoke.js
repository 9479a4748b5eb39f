// The smoke image as the installer flashes it: the app, then its identity
// (no key) on E, where the flasher reads it back through the REPL after
// save(). Plain JavaScript so the Node type-check does not pull the
// Espruino-only app in; the firmware build checks it like any module.
import "../../firmware/apps/smoke.js";
import { publishIdentity } from "./publish-identity.js";

publishIdentity();
