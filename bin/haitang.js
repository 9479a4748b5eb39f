#!/usr/bin/env node
// `haitang gateway` keeps its V8 heap small (gateway/heap-limits.ts) from the first
// module on: loading the code alone grows the young generation to 16 MB otherwise.
const limits =
  process.argv[2] === "gateway"
    ? import("../dist/gateway/heap-limits.js").then((m) => m.applyHeapLimits())
    : Promise.resolve();
limits
  .then(() => import("../dist/cli/main.js"))
  .catch((err) => {
    if (err && err.code === "ERR_MODULE_NOT_FOUND") {
      process.stderr.write("haitang: not built yet; run `npm run build` first\n");
      process.exit(2);
    }
    throw err;
  });
