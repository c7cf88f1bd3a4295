import { defineConfig } from "vitest/config";

// The end-to-end suite: one API and one site server for the whole run (e2e/servers.ts), one
// headless Chromium per file, files one after another (two cores are shared with other suites).
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    globalSetup: ["e2e/servers.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
