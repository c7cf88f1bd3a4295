import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { acceptDialogs, adminToken, apiCall, expectAccessible, hasRoute, launch, PASSWORD, registerByApi, screenshot, servers, signInOnPage, type Browser } from "./browser";
import { WORK } from "./servers";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const ADDRESS = { street: "1 Test Street", city: "Testville", state: "TS", zipCode: "12345", country: "US" };

/** Whether this API takes `tracking` on a move to shipped: an unknown field is a 400 before the
 * order is looked up, a known one reaches the lookup (404 for an order that does not exist). */
async function acceptsTracking(token: string): Promise<boolean> {
  const reply = await apiCall("PUT", "/orders/00000000-0000-4000-8000-000000000000/status", {
    token,
    body: { status: "shipped", tracking: { carrier: "DHL", number: "1" } },
  });
  return reply.status !== 400;
}

async function stockOf(productId: string): Promise<number> {
  return (await apiCall<{ stock: number }>("GET", `/products/${productId}`)).body.data.stock;
}

describe("the admin area", () => {
  test("create a product, edit it, upload a picture, see both in the catalogue, delete it", async () => {
    const { adminEmail, adminPassword, siteUrl } = servers();
    const page = await browser.page();
    page.on("dialog", (dialog) => dialog.accept());
    await signInOnPage(page, adminEmail, adminPassword);
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("heading", { level: 1, name: "Products" }).waitFor();
    await page.getByRole("table").getByRole("row").nth(1).waitFor();
    await expectAccessible(page, "admin products");
    await screenshot(page, "admin-products");

    const category = `Garden${Date.now().toString(36)}`;
    await page.getByRole("link", { name: "New product" }).click();
    await page.getByRole("heading", { level: 1, name: "New product" }).waitFor();
    await expectAccessible(page, "new product form");
    // A price the API refuses (over its limit): its field message is shown and nothing is created.
    await page.getByLabel("Name").fill("Watering Can");
    await page.getByLabel("Description").fill("Holds five litres.");
    await page.getByLabel("Price").fill("2000000");
    await page.getByLabel("Category").fill(category);
    await page.getByLabel("Stock").fill("7");
    await page.getByRole("button", { name: "Create product" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("price");
    expect((await apiCall<unknown[]>("GET", `/products?category=${category}`)).body.data).toEqual([]);

    await page.getByLabel("Price").fill("12,5"); // a decimal comma is a price too
    await page.getByRole("button", { name: "Create product" }).click();
    await page.getByText("Product created").waitFor();
    const productId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
    const created = await apiCall<{ name: string; price: number; stock: number; category: string }>("GET", `/products/${productId}`);
    expect(created.body.data).toMatchObject({ name: "Watering Can", price: 12.5, stock: 7, category });

    await page.getByLabel("Price").fill("13.75");
    expect(await page.getByText("Product created").count()).toBe(0); // a notice goes at the next action
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved.").waitFor();
    expect((await apiCall<{ price: number }>("GET", `/products/${productId}`)).body.data.price).toBe(13.75);
    await expectAccessible(page, "edit product form");

    const images = await hasRoute("POST", `/products/${productId}/images`);
    if (images) {
      // A real PNG from a file on disk, through the presigned POST, with its progress bar.
      const file = path.join(WORK, "upload.png");
      writeFileSync(file, await page.screenshot({ clip: { x: 0, y: 0, width: 640, height: 480 } }));
      await page.getByLabel(/Picture file/).setInputFiles(file);
      await page.getByRole("button", { name: "Upload picture" }).click();
      const failed = page.locator("section.images [role=alert]");
      await page.getByText("Picture ready.").or(failed).waitFor({ timeout: 40_000 });
      expect(await failed.count(), (await failed.allTextContents()).join(" ")).toBe(0);
      await page.getByRole("img", { name: /Picture 1 of Watering Can/ }).waitFor();
      await screenshot(page, "admin-product-edit");
    } else {
      console.warn("POST /products/{id}/images is not on this API yet: the image upload step did not run");
    }

    await page.goto(`${siteUrl}/?category=${category}`);
    if (images) {
      // The card shows the picture's thumb (lazy, in its fixed 4:3 box).
      const thumb = page.locator(".card .thumb img").first();
      await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      expect(await thumb.getAttribute("src")).toMatch(/\.webp($|\?)/);
      const box = await page.locator(".card .thumb").first().boundingBox();
      expect(Math.round((box!.width / box!.height) * 3)).toBe(4);
    }
    await page.getByRole("link", { name: "Watering Can" }).click();
    await page.getByRole("heading", { level: 1, name: "Watering Can" }).waitFor();
    expect(await page.locator(".price").textContent()).toBe("$13.75");
    if (images) {
      // The picture the processing made is shown: decoded by the browser, a WebP rendition.
      const picture = page.locator(".gallery img").first();
      await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      expect(await picture.getAttribute("alt")).toBe("Watering Can, picture 1 of 1");
      expect(await picture.getAttribute("src")).toMatch(/\.webp($|\?)/);
      await expectAccessible(page, "product page with a picture");
      await screenshot(page, "product-with-picture");
    }
    await page.goto(`${siteUrl}/admin/products`);
    await page.getByRole("button", { name: "Delete Watering Can" }).click();
    await page.getByText("Deleted Watering Can.").waitFor();
    expect((await apiCall("GET", `/products/${productId}`)).status).toBe(404);
    await page.close();
  });

  test("a customer cancels an order and its stock returns; an order the admin ships shows shipped to its customer", async () => {
    const token = await adminToken();
    const product = await apiCall<{ id: string }>("POST", "/products", {
      token,
      body: { name: "Lantern", price: 20, category: `Lights${Date.now().toString(36)}`, stock: 10 },
    });
    const productId = product.body.data.id;
    const customer = await registerByApi("Cass Customer");
    const place = async () => {
      const reply = await apiCall<{ id: string }>("POST", "/orders", {
        token: customer.token,
        body: { items: [{ productId, quantity: 3 }], shippingAddress: ADDRESS },
      });
      expect(reply.status).toBe(201);
      return reply.body.data.id;
    };
    const toCancel = await place();
    const toShip = await place();
    expect(await stockOf(productId)).toBe(4);

    const page = await browser.page();
    const asked = acceptDialogs(page);
    await signInOnPage(page, customer.email, PASSWORD);
    await page.getByRole("link", { name: "My orders" }).click();
    await page.locator(`tr[data-order-id="${toCancel}"]`).waitFor();
    await expectAccessible(page, "my orders");
    await screenshot(page, "orders");
    await page.locator(`tr[data-order-id="${toCancel}"]`).getByRole("link").click();
    await page.getByRole("button", { name: "Cancel order" }).waitFor();
    await expectAccessible(page, "order detail");
    await page.getByRole("button", { name: "Cancel order" }).click();
    await page.locator(".history li").nth(1).waitFor();
    expect(asked).toEqual([expect.stringMatching(/^Cancel this order\?/)]); // the customer was asked first
    expect(await page.locator(".history li .badge").allTextContents()).toEqual(["pending", "cancelled"]);
    // The stock came back: the product page says so.
    await page.goto(`${servers().siteUrl}/products/${productId}`);
    await page.getByText("7 in stock").waitFor();

    // The order to ship is paid first (through the payment route once it exists).
    if (await hasRoute("POST", `/orders/${toShip}/payment`)) {
      const paid = await apiCall("POST", `/orders/${toShip}/payment`, { token: customer.token, body: { paymentMethod: "pm_card_visa" } });
      expect(paid.status).toBe(200);
    } else {
      const paid = await apiCall("PUT", `/orders/${toShip}/status`, { token, body: { status: "paid" } });
      expect(paid.status).toBe(200);
    }

    const admin = await browser.page();
    const adminAsked = acceptDialogs(admin);
    await signInOnPage(admin, servers().adminEmail, servers().adminPassword);
    await admin.goto(`${servers().siteUrl}/admin/orders?status=paid`);
    const card = admin.locator(`[data-order-id="${toShip}"]`);
    await card.waitFor();
    // What an operator works from: the address, the lines, the payment, the order's own page.
    const shown = await card.textContent();
    expect(shown).toContain(ADDRESS.street);
    expect(shown).toContain("3 × Lantern");
    expect(shown).toMatch(/Payment(paid|not paid yet)/);
    expect(await card.getByRole("link", { name: /^Order / }).getAttribute("href")).toBe(`/orders/${toShip}`);
    await expectAccessible(admin, "admin orders");
    await screenshot(admin, "admin-orders");
    await card.getByRole("button", { name: /Mark shipped/ }).click();
    // Tracking goes with "ship" once the API takes it (API.md, "Shipping details").
    const tracking = await acceptsTracking(token);
    if (tracking) {
      await card.getByLabel("Carrier").fill("DHL");
      await card.getByLabel("Tracking number").fill("JD014600006281");
      await card.getByLabel(/Tracking link/).fill("https://track.example/JD014600006281");
    } else {
      console.warn("PUT /orders/{id}/status does not take tracking on this API yet: shipped without it");
    }
    await expectAccessible(admin, "admin orders, ship form");
    await card.getByRole("button", { name: "Ship order" }).click();
    await admin.getByText(new RegExp(`Order ${toShip} is now shipped`)).waitFor();
    expect(adminAsked).toEqual([expect.stringMatching(/^Mark order \w+ shipped\?/)]);
    await admin.getByRole("link", { name: "shipped" }).click();
    await admin.locator(`[data-order-id="${toShip}"]`).getByRole("button", { name: /Mark delivered/ }).waitFor();

    await page.goto(`${servers().siteUrl}/orders/${toShip}`);
    await page.locator(".history li").nth(2).waitFor();
    expect(await page.locator(".history li .badge").allTextContents()).toEqual(["pending", "paid", "shipped"]);
    expect(await page.getByRole("button", { name: "Cancel order" }).count()).toBe(0);
    if (tracking) {
      await page.getByRole("heading", { name: "Tracking" }).waitFor();
      expect(await page.locator(".tracking").textContent()).toContain("DHL: JD014600006281");
    }
    await screenshot(page, "order-shipped");
    await page.close();
    await admin.close();
  });
});
