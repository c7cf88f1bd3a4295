// Starts what `make run` starts, on free loopback ports: the API (python -m devtools.runner, its
// demo data and admin) and ONE production build of the storefront, which names no API: it is
// served twice, by a Vite preview with the deployed headers and a config.json written beside
// it (as `make deploy` does), and by the runner itself on its WEB_PORT (which answers
// config.json for its own API). The tests get the addresses through vitest's provide/inject.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview, type PreviewServer } from "vite";
import type { TestProject } from "vitest/node";

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(WEB, "..");
export const WORK = path.join(WEB, ".e2e");

export interface Servers {
  apiUrl: string;
  siteUrl: string;
  /** The same build as `make run` serves it: the runner's own storefront port. */
  runSiteUrl: string;
  adminEmail: string;
  adminPassword: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    servers: Servers;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForHealth(url: string, api: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}); see ${path.join(WORK, "api.log")}`);
    try {
      const reply = await fetch(`${url}/health`);
      if (reply.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the API was not healthy in ${timeoutMs / 1000} s; see ${path.join(WORK, "api.log")}`);
}

/** The deployed site's Content-Security-Policy (serverless.yml, SiteResponseHeadersPolicy) with
 * this run's addresses: the API also plays the media CDN and the upload endpoint locally.
 * upgrade-insecure-requests is left out, as everything here is plain http on loopback. */
export function deployedCsp(apiUrl: string): string {
  const template = readFileSync(path.join(ROOT, "serverless.yml"), "utf8");
  const line = /^\s*- "(default-src 'none';[^"]+)"$/m.exec(template);
  if (!line) throw new Error("no Content-Security-Policy template in serverless.yml");
  return line[1]
    .replace("https://${ApiGatewayRestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}", apiUrl)
    .replace("${Media}", apiUrl)
    .replace("${Upload}", apiUrl)
    .split(";")
    .map((directive) => directive.trim())
    .filter((directive) => directive !== "upgrade-insecure-requests")
    .join("; ");
}

let api: ChildProcess | undefined;
let site: PreviewServer | undefined;

export default async function setup(project: TestProject) {
  mkdirSync(WORK, { recursive: true });
  const [apiPort, sitePort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const siteUrl = `http://127.0.0.1:${sitePort}`;
  const adminPassword = `Adm1n-${randomBytes(6).toString("hex")}`;
  const python = process.env.SHOP_PYTHON || path.join(ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) throw new Error(`no Python at ${python}: run make .venv/.deps-installed, or set SHOP_PYTHON`);

  // One build, before the runner starts (it serves WEB_DIST on WEB_PORT when index.html is
  // there). Vitest runs with NODE_ENV=test, which would give React's development build: the
  // site under test is the production one, exactly as `make web` builds it, with no API in it.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  const outDir = path.join(WORK, "dist");
  try {
    await build({ root: WEB, mode: "production", configFile: path.join(WEB, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  // What `make deploy` uploads beside the build (devtools/site_config.py); the runner answers
  // its own instead of this file.
  writeFileSync(path.join(outDir, "config.json"), JSON.stringify({ apiUrl }));
  const runWebPort = await freePort();
  const runSiteUrl = `http://127.0.0.1:${runWebPort}`;

  // What `make run` starts: the supervisor (devtools.runner: background jobs, local routes such
  // as the outbox and the media endpoints, the workers) where the repository has it, else the
  // one-process local server.
  const runner = existsSync(path.join(ROOT, "src", "devtools", "runner.py"));
  const log = createWriteStream(path.join(WORK, "api.log"));
  api = spawn(python, ["-m", runner ? "devtools.runner" : "devtools.local_server"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PYTHONPATH: path.join(ROOT, "src"),
      PORT: String(apiPort),
      JWT_SECRET: randomBytes(48).toString("base64url"),
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD: adminPassword,
      BCRYPT_ROUNDS: "4",
      // The two sites' origins only: the CORS test checks that another one is refused.
      CORS_ALLOWED_ORIGINS: `${siteUrl},${runSiteUrl}`,
      // Every browser here comes from 127.0.0.1; the per-address limits have their own tests.
      REGISTER_IP_LIMIT: "100000",
      LOGIN_IP_LIMIT: "100000",
      TABLE_NAME: "shop-e2e",
      // The runner serves the same build on its own storefront port (runtime-config.e2e.ts);
      // its data is thrown away.
      WEB_PORT: String(runWebPort),
      WEB_DIST: outDir,
      FRESH: "1",
      LOCAL_DATA_DIR: path.join(WORK, "local"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  api.stdout?.pipe(log);
  api.stderr?.pipe(log);

  site = await preview({
    root: WEB,
    configFile: path.join(WEB, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir },
    // Served with the deployed headers, so a script, style or request the CSP would block
    // in production is blocked here too (browser.ts fails the file on any violation).
    preview: {
      port: sitePort,
      strictPort: true,
      host: "127.0.0.1",
      open: false,
      headers: { "Content-Security-Policy": deployedCsp(apiUrl), "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff" },
    },
  });
  try {
    // DynamoDB Local, the jobs and the workers start in about 20 s, but far slower on a busy machine.
    await waitForHealth(apiUrl, api, 180_000);
  } catch (error) {
    // No teardown runs for a setup that failed: stop what was started (the runner stops its parts).
    await site?.close();
    if (api.exitCode === null) {
      api.kill("SIGINT");
      await new Promise((resolve) => api!.once("exit", resolve));
    }
    throw error;
  }
  project.provide("servers", { apiUrl, siteUrl, runSiteUrl, adminEmail: "admin@example.com", adminPassword });

  return async () => {
    await site?.close();
    if (api && api.exitCode === null) {
      api.kill("SIGINT");
      await new Promise((resolve) => api!.once("exit", resolve));
    }
  };
}
