// Headless Debian Chromium driven by playwright-core (Playwright cannot download its own browser
// here), plus the checks every page gets: axe-core, and a screenshot for the README.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { expect, inject } from "vitest";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
// Screenshots go to web/.e2e/screenshots (ignored), so a test run leaves the tree clean;
// `make screenshots` points SCREENSHOTS_DIR at docs/screenshots to refresh the README's.
const DOCS = process.env.SCREENSHOTS_DIR
  ? path.resolve(process.env.SCREENSHOTS_DIR)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", ".e2e", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const servers = () => inject("servers");

export interface Browser {
  context: BrowserContext;
  /** A new tab: its own sessionStorage, so its own signed-in user. */
  page: () => Promise<Page>;
  close: () => Promise<void>;
}

/** 1280 x 860 unless told (mobile.e2e.ts: a 390 px phone). */
export async function launch(viewport = { width: 1280, height: 860 }): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), "shop-e2e-profile-"));
  // launchPersistentContext passes --user-data-dir: a fresh profile for every file.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
  });
  const violations: string[] = [];
  return {
    context,
    page: async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on("console", (message) => {
        if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
  };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Evaluated through DevTools, not added as a <script>: the site's CSP rightly refuses inline scripts.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations: AxeViolation[] = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations;
  });
  const blocking = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(blocking, `axe on ${name}`).toEqual([]);
}

/** A page at a phone's width, once it has settled (its heading shown, nothing loading): no
 * sideways scroll, and axe. */
export async function expectSettledPhonePage(page: Page, name: string): Promise<void> {
  await page.locator("main h1").first().waitFor();
  await expect.poll(() => page.locator("main .loading").count(), { timeout: 15_000 }).toBe(0);
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(widths.scroll, `${name} is ${widths.scroll} px wide in a ${widths.inner} px viewport`).toBeLessThanOrEqual(widths.inner);
  await expectAccessible(page, `${name} at ${widths.inner} px`);
}

/** Accepts every confirmation the page asks for, and keeps its words for the test to check. */
export function acceptDialogs(page: Page): string[] {
  const asked: string[] = [];
  page.on("dialog", (dialog) => {
    asked.push(dialog.message());
    void dialog.accept();
  });
  return asked;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(DOCS, `${name}.png`), fullPage: false });
}

/** Calls the API from the test (setup only: what the user does goes through the page). */
export async function apiCall<T>(method: string, route: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: { data: T; error?: string; code?: string } }> {
  const reply = await fetch(servers().apiUrl + route, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: reply.status, body: reply.status === 204 ? ({} as never) : await reply.json() };
}

export async function adminToken(): Promise<string> {
  const { adminEmail, adminPassword } = servers();
  const reply = await apiCall<{ token: string }>("POST", "/auth/login", { body: { email: adminEmail, password: adminPassword } });
  expect(reply.status).toBe(200);
  return reply.body.data.token;
}

let counter = 0;
export function uniqueEmail(prefix = "shopper"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

export const PASSWORD = "Shop-per-2026!";

export async function registerByApi(name = "Test Shopper"): Promise<{ token: string; email: string }> {
  const email = uniqueEmail();
  const reply = await apiCall<{ token: string }>("POST", "/auth/register", { body: { email, password: PASSWORD, name } });
  expect(reply.status).toBe(201);
  return { token: reply.body.data.token, email };
}

/** Whether main's API has a v2 route yet (a route the gateway does not know is its 404 "Route not found"). */
export async function hasRoute(method: string, route: string): Promise<boolean> {
  const reply = await fetch(servers().apiUrl + route, { method });
  if (reply.status !== 404) return true;
  const body = (await reply.json()) as { error?: string };
  return body.error !== "Route not found";
}

/** Sign in through the page's own form (on the built site, or another storefront's origin). */
export async function signInOnPage(page: Page, email: string, password: string, site = servers().siteUrl): Promise<void> {
  await page.goto(`${site}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}
