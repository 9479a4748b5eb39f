/**
 * What can go wrong while flashing, each with what the installer should do.
 * The CLI prints `message` and then `whatToDo`; tests match on `code`.
 */

export type FlashErrorCode =
  | "bad-input"
  | "port-not-found"
  | "port-open-failed"
  | "no-board"
  | "wrong-board"
  | "image-too-big"
  | "build-failed"
  | "upload-cut"
  | "upload-failed"
  | "verify-failed"
  | "gateway-unreachable"
  | "gateway-rejected"
  | "no-first-frame"
  | "self-test-failed";

export class FlashError extends Error {
  override readonly name = "FlashError";
  constructor(
    readonly code: FlashErrorCode,
    message: string,
    /** One or two sentences: what to do now. */
    readonly whatToDo: string,
  ) {
    super(message);
  }
}

export function isFlashError(err: unknown): err is FlashError {
  return err instanceof FlashError;
}
