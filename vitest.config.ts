import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    // CI runs on 2 cores shared with benches: at load 13-20 a test at nice 15 ran 10-20 times
    // slower than idle (a 2.7 s firmware build took 55.5 s, a 13 s flash 59.3 s). These are
    // limits for a hung test, never waited for by a passing one.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: "test-output/vitest.json" },
  },
});
