#!/usr/bin/env node
import("../dist/cli/main.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("haitang: not built yet; run `npm run build` first\n");
    process.exit(2);
  }
  throw err;
});
