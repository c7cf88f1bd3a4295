import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiCall, expectAccessible, launch, screenshot, servers, type Browser } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const cards = (page: Awaited<ReturnType<Browser["page"]>>) => page.getByRole("list", { name: "Products" }).getByRole("listitem");

describe("the catalogue", () => {
  test("browse, load more on the signed cursor, filter by category", async () => {
    const page = await browser.page();
    await page.goto(servers().siteUrl);
    await expect.poll(() => cards(page).count()).toBe(12);
    await expectAccessible(page, "catalogue");
    await screenshot(page, "catalogue");

    const firstPage = await cards(page).locator("h2").allTextContents();
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => cards(page).count()).toBe(24);
    const twoPages = await cards(page).locator("h2").allTextContents();
    expect(twoPages.slice(0, 12)).toEqual(firstPage);
    expect(new Set(twoPages).size).toBe(24); // the second page continues, it does not repeat

    await page.getByRole("combobox", { name: "Category" }).selectOption("Kitchen");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/\?category=Kitchen$/);
    await expect.poll(() => cards(page).count()).toBe(6);
    const categories = await cards(page).locator("p.muted").filter({ hasNotText: "stock" }).allTextContents();
    expect(new Set(categories)).toEqual(new Set(["Kitchen"]));
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);

    // Back goes to the whole catalogue again.
    await page.goBack();
    await expect.poll(() => cards(page).count()).toBe(12);
    await page.close();
  });

  test("a product page shows the product the API holds", async () => {
    const listed = await apiCall<{ id: string; name: string; price: number; stock: number }[]>("GET", "/products?limit=1&category=Books");
    const product = listed.body.data[0];
    const page = await browser.page();
    await page.goto(`${servers().siteUrl}/?category=Books`);
    await page.getByRole("link", { name: product.name }).first().click();
    await page.getByRole("heading", { level: 1, name: product.name }).waitFor();
    expect(page.url()).toBe(`${servers().siteUrl}/products/${product.id}`);
    await expect.poll(() => page.locator(".price").textContent()).toBe(`$${product.price.toFixed(2)}`);
    expect(await page.getByText(`${product.stock} in stock`).count()).toBe(1);
    await expectAccessible(page, "product page");
    await screenshot(page, "product");

    // A deep link works too (SPA fallback), and a missing product shows the API's message.
    await page.goto(`${servers().siteUrl}/products/00000000-0000-4000-8000-000000000000`);
    await page.getByRole("heading", { name: "Product not found" }).waitFor();
    const message = await page.getByRole("alert").textContent();
    const direct = await apiCall("GET", "/products/00000000-0000-4000-8000-000000000000");
    expect(direct.status).toBe(404);
    expect(message).toContain(direct.body.error);
    await page.close();
  });

  test("product text from the API is shown as text, never as markup", async () => {
    const { adminToken } = await import("./browser");
    const token = await adminToken();
    const name = `<img src=x onerror="window.__pwned=1">Bold <b>claim</b>`;
    const created = await apiCall<{ id: string }>("POST", "/products", {
      token,
      body: { name, description: "<script>window.__pwned=2</script>", price: 5, category: "Markup", stock: 1 },
    });
    expect(created.status).toBe(201);
    const page = await browser.page();
    await page.goto(`${servers().siteUrl}/products/${created.body.data.id}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(name);
    expect(await page.locator("main img[src='x'], main b, main script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await apiCall("DELETE", `/products/${created.body.data.id}`, { token });
    await page.close();
  });
});

describe("CORS in the browser", () => {
  test("the site's origin may call the API; a foreign origin is refused", async () => {
    const { apiUrl, siteUrl } = servers();
    const page = await browser.page();
    await page.goto(siteUrl);
    const own = await page.evaluate(async (url) => {
      const reply = await fetch(`${url}/health`);
      return { status: reply.status, body: await reply.json() };
    }, apiUrl);
    expect(own.status).toBe(200);
    expect(own.body.data.status).toBe("ok");
    // A preflighted request (JSON body) goes through from the site too.
    const preflighted = await page.evaluate(async (url) => {
      const reply = await fetch(`${url}/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: "nobody@example.com", password: "Wrong-pass-1" }),
      });
      return reply.status;
    }, apiUrl);
    expect(preflighted).toBe(401);

    // Same server, another origin (localhost is not 127.0.0.1): not on the allowlist.
    const foreign = await browser.page();
    await foreign.goto(siteUrl.replace("127.0.0.1", "localhost"));
    const refused = await foreign.evaluate(async (url) => {
      const outcomes: string[] = [];
      for (const init of [{}, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }]) {
        try {
          const reply = await fetch(`${url}/health`, init);
          outcomes.push(`answered ${reply.status}`);
        } catch (error) {
          outcomes.push(error instanceof TypeError ? "refused" : String(error));
        }
      }
      return outcomes;
    }, apiUrl);
    expect(refused).toEqual(["refused", "refused"]);
    // The refusal is the API's CORS answer (not the network or the CSP): the foreign origin gets
    // no Access-Control-Allow-Origin, the site's own gets its origin echoed.
    const asked = async (origin: string) => (await fetch(`${apiUrl}/health`, { headers: { Origin: origin } })).headers.get("access-control-allow-origin");
    expect(await asked(siteUrl.replace("127.0.0.1", "localhost"))).toBeNull();
    expect(await asked(siteUrl)).toBe(siteUrl);
    await page.close();
    await foreign.close();
  });
});
