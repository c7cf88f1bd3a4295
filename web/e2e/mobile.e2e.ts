// Every page at a phone's 390 px: usable without sideways scrolling (the document is never
// wider than the viewport; tables become stacked cards), and axe-clean at that width.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiCall, expectAccessible, launch, PASSWORD, registerByApi, screenshot, servers, signInOnPage, type Browser } from "./browser";

const PHONE = { width: 390, height: 844 };
const ADDRESS = { street: "1 Narrow Street", city: "Smallville", state: "SV", zipCode: "12345", country: "US" };

let browser: Browser;
beforeAll(async () => {
  browser = await launch(PHONE);
});
afterAll(async () => {
  await browser?.close();
});

/** Opens `route`, waits for its heading and for its loads to end, then checks the width and axe. */
async function check(page: Page, route: string, name: string): Promise<void> {
  await page.goto(servers().siteUrl + route);
  await page.locator("main h1").first().waitFor();
  await expect.poll(() => page.locator("main .loading").count(), { timeout: 15_000 }).toBe(0);
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(widths.inner, name).toBe(PHONE.width);
  expect(widths.scroll, `${name} (${route}) is ${widths.scroll} px wide in a ${widths.inner} px viewport`).toBeLessThanOrEqual(widths.inner);
  await expectAccessible(page, `${name} at 390 px`);
}

describe("at 390 px wide", () => {
  test("every page fits the screen and passes axe", async () => {
    const listed = await apiCall<{ id: string; stock: number }[]>("GET", "/products?limit=20");
    const product = listed.body.data.find((p) => p.stock > 2)!;
    const customer = await registerByApi("Mo Bile");
    const token = customer.token;
    expect((await apiCall("PUT", `/cart/items/${product.id}`, { token, body: { quantity: 2 } })).status).toBe(200);
    const placed = await apiCall<{ id: string }>("POST", "/orders", {
      token,
      body: { items: [{ productId: product.id, quantity: 1 }], shippingAddress: ADDRESS },
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.data.id;

    const visitor = await browser.page();
    await check(visitor, "/", "catalogue");
    await check(visitor, `/products/${product.id}`, "product");
    await check(visitor, "/signin", "sign in");
    await check(visitor, "/signup", "sign up");
    await visitor.close();

    const shopper = await browser.page();
    await signInOnPage(shopper, customer.email, PASSWORD);
    await check(shopper, "/cart", "cart");
    await shopper.locator("table.lines tbody tr").first().waitFor();
    await screenshot(shopper, "mobile-cart");
    await check(shopper, "/checkout", "checkout");
    await check(shopper, "/orders", "my orders");
    await check(shopper, `/orders/${orderId}`, "order");
    await check(shopper, `/orders/${orderId}/pay`, "payment");
    await shopper.close();

    const admin = await browser.page();
    await signInOnPage(admin, servers().adminEmail, servers().adminPassword);
    await check(admin, "/admin/products", "admin products");
    await check(admin, "/admin/products/new", "new product");
    await check(admin, `/admin/products/${product.id}`, "edit product");
    await check(admin, "/admin/orders?status=pending", "admin orders");
    await admin.locator(`[data-order-id="${orderId}"]`).waitFor();
    await screenshot(admin, "mobile-admin-orders");
    await admin.close();
  });
});
