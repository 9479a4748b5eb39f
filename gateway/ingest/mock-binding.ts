/**
 * @serialport/binding-mock for unit tests. Its package.json has no "types"
 * entry under "exports", so NodeNext resolution finds no declarations; this
 * loads it through require and types it from its bundled index.d.ts.
 */
import { createRequire } from "node:module";
import type { MockBindingInterface } from "../../node_modules/@serialport/binding-mock/dist/index.js";

const require = createRequire(import.meta.url);

export const MockBinding: MockBindingInterface = (
  require("@serialport/binding-mock") as { MockBinding: MockBindingInterface }
).MockBinding;
