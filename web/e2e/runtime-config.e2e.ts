// One build for any port: the runner (`make run`) started on free, non-default ports serves
// the build itself and answers config.json with its own API's address; the page reads it at
// start and loads the catalogue from that API.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectAccessible, launch, servers, type Browser } from "./browser";
import { WORK } from "./servers";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

function files(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(path.join(folder, entry.name)) : [path.join(folder, entry.name)],
  );
}

describe("the runtime configuration", () => {
  test("make run's own storefront port, on a non-default API port, loads the catalogue", async () => {
    const { apiUrl, runSiteUrl } = servers();
    expect(new URL(apiUrl).port).not.toBe("3000");
    const config = await fetch(`${runSiteUrl}/config.json`);
    expect(config.headers.get("cache-control")).toBe("no-store");
    expect(await config.json()).toEqual({ apiUrl });

    const page = await browser.page();
    const asked: string[] = [];
    page.on("request", (request) => asked.push(request.url()));
    await page.goto(runSiteUrl);
    const cards = page.getByRole("list", { name: "Products" }).getByRole("listitem");
    await expect.poll(() => cards.count()).toBe(12);
    expect(asked).toContain(`${runSiteUrl}/config.json`);
    expect(asked.some((url) => url.startsWith(`${apiUrl}/products?`))).toBe(true);
    await expectAccessible(page, "catalogue from make run");
    await page.close();
  });

  test("the build itself names no API address (config.json beside it does)", () => {
    const { apiUrl } = servers();
    const port = new URL(apiUrl).port;
    const built = files(path.join(WORK, "dist")).filter((file) => !file.endsWith("config.json"));
    expect(built.length).toBeGreaterThan(1);
    for (const file of built) {
      const text = readFileSync(file, "utf8");
      expect(text.includes(`127.0.0.1:${port}`), file).toBe(false);
      expect(text.includes("127.0.0.1:3000"), file).toBe(false);
    }
  });
});
