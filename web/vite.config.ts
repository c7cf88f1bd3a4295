/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API's address is fixed at build time (SHOP_API_URL), as the deployed site's CSP pins
// connect-src to it: http://127.0.0.1:3000 is `make run`'s API.
const apiUrl = (process.env.SHOP_API_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");

export default defineConfig({
  plugins: [react()],
  define: { __API_URL__: JSON.stringify(apiUrl) },
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
