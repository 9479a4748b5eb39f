// Runs on the board (ES5). The image's constants live inside the build's
// closure, out of the REPL's reach; this puts the identity, without the key,
// where the REPL can read it: E.HAITANG_ID (E is a global object on every
// Espruino board and is saved with the program). E, HAITANG_* are the
// globals of firmware/hal/espruino.d.ts.
export function publishIdentity() {
  E.HAITANG_ID = {
    firmware: HAITANG_FIRMWARE_VERSION,
    deviceId: HAITANG_DEVICE.deviceId,
    kind: HAITANG_DEVICE.kind,
    board: HAITANG_BOARD.name,
  };
}
