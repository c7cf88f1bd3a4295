/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// The build names no API: the site reads config.json at start (src/config.ts). `make run`'s
// server answers it for the site it serves, `make deploy` uploads the stage's. This plugin
// answers it for `npx vite` (the dev server): the API at SHOP_API_URL, else `make run`'s.
function devConfig(): Plugin {
  const apiUrl = (process.env.SHOP_API_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");
  return {
    name: "shop-dev-config",
    apply: "serve",
    configureServer(server) {
      server.middlewares.use("/config.json", (_request, response) => {
        response.setHeader("Content-Type", "application/json");
        response.setHeader("Cache-Control", "no-store");
        response.end(JSON.stringify({ apiUrl }));
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), devConfig()],
  build: { outDir: process.env.SHOP_WEB_OUT_DIR || "dist", emptyOutDir: true, sourcemap: false },
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  preview: { host: "127.0.0.1", port: 5173, strictPort: true },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    restoreMocks: true,
    unstubGlobals: true,
    setupFiles: ["src/test-setup.ts"],
  },
});
