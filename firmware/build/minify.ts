/**
 * Stage 3: terser with ES5 output and safe options only. Function and var
 * hoisting stay off (hoist_funs/hoist_vars): declaration order is the job of
 * espruino-transform.ts, which runs next. Espruino's globals (`E`, the board's
 * pin names) are reserved so no mangled name shadows them.
 */

/**
 * Protocol factories without side effects. protocol/hmac.ts builds the plain-JS
 * HMAC at module load (`hmacSha256 = makeHmacSha256(sha256)`); marking the call
 * pure lets an unused result, and with it the plain-JS SHA-256 (about 2 KB),
 * drop out of images for boards with a native SHA-256.
 */
const PURE_FUNCS = ["makeHmacSha256"];
export interface Minified {
  code: string;
  /** Source map of `code` (v3 JSON) when an input map was given. */
  map?: string;
}

/**
 * `inputMap` (the input's map to its sources) asks for a map of the output to those sources.
 * `properties`: property names to shorten too (mangled-properties.ts).
 */
export async function minifyEs5(
  code: string,
  reserved: readonly string[],
  inputMap?: string,
  properties: readonly string[] = [],
): Promise<Minified> {
  const { minify } = await import("terser");
  const out = await minify(code, {
    ecma: 5,
    toplevel: true,
    ie8: false,
    safari10: false,
    module: false,
    compress: {
      ecma: 5,
      passes: 2,
      hoist_funs: false,
      hoist_vars: false,
      unsafe: false,
      unsafe_arrows: false,
      unsafe_methods: false,
      unsafe_proto: false,
      unsafe_regexp: false,
      unsafe_undefined: false,
      pure_getters: "strict",
      keep_fargs: true,
      pure_funcs: PURE_FUNCS,
    },
    mangle: {
      toplevel: true,
      reserved: [...reserved],
      ...(properties.length
        ? {
            // Exactly the listed names: `builtins` lifts terser's own list of DOM names
            // (send, start, type...), which never applies to an Espruino image.
            properties: { regex: new RegExp(`^(?:${properties.join("|")})$`), builtins: true },
          }
        : {}),
    },
    format: { ecma: 5, ascii_only: true, comments: false, semicolons: true },
    ...(inputMap ? { sourceMap: { content: inputMap } } : {}),
  });
  if (out.code === undefined) throw new Error("terser produced no output");
  const map = typeof out.map === "string" ? out.map : undefined;
  return map ? { code: out.code, map } : { code: out.code };
}
