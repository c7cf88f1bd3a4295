// Issue 28's storefront money pages, at a phone's 390 px on the storefront `make run` serves (its
// STOREFRONT_URL, where the local bank may send a customer back): a customer pays with a card
// that needs 3-D Secure, approves at the local fake bank's page and is back on the order, paid;
// the admin refunds part of it (amount, confirmation), the customer sees the refund; the admin
// cancels the paid order, being told first that it refunds the rest, and the customer sees both
// refunds. Every page is checked for width and with axe. The product is seeded through the API.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { acceptDialogs, adminToken, apiCall, expectSettledPhonePage, launch, PASSWORD, registerByApi, screenshot, servers, signInOnPage, type Browser } from "./browser";

const PHONE = { width: 390, height: 844 };

let browser: Browser;
beforeAll(async () => {
  browser = await launch(PHONE);
});
afterAll(async () => {
  await browser?.close();
});

describe("money pages", () => {
  test("3-D Secure at the local bank, a partial refund, a cancel that refunds the rest", async () => {
    const site = servers().runSiteUrl;
    const token = await adminToken();
    const created = await apiCall<{ id: string }>("POST", "/products", {
      token,
      body: { name: "Cast Iron Teapot", price: 12.5, category: `Money${Date.now().toString(36)}`, stock: 10 },
    });
    expect(created.status).toBe(201);
    const productId = created.body.data.id;
    const customer = await registerByApi("Sam Secure");

    // The customer buys two and pays with a card whose bank asks for confirmation.
    const shopper = await browser.page();
    await signInOnPage(shopper, customer.email, PASSWORD, servers().runSiteUrl);
    await shopper.goto(`${site}/products/${productId}`);
    await shopper.getByLabel("Quantity").fill("2");
    await shopper.getByRole("button", { name: "Add to cart" }).click();
    await shopper.getByRole("link", { name: "Go to the cart" }).click();
    await shopper.getByRole("link", { name: "Check out" }).click();
    await shopper.getByLabel("Street").fill("3 Iron Road");
    await shopper.getByLabel("City").fill("Castleton");
    await shopper.getByLabel("State or region").fill("CT");
    await shopper.getByLabel("Postal code").fill("20202");
    await shopper.getByLabel("Country").fill("US");
    await shopper.getByRole("button", { name: "Place order" }).click();
    await shopper.waitForURL(/\/orders\/[^/]+\/pay$/);
    const orderId = decodeURIComponent(new URL(shopper.url()).pathname.split("/").at(-2)!);
    await shopper.getByLabel("Test card that asks your bank to confirm (3-D Secure)").check();
    await expectSettledPhonePage(shopper, "payment, 3-D Secure card");
    await shopper.getByRole("button", { name: /^Pay/ }).click();

    // The bank's page (the local stand-in, on the API's origin) says what is asked.
    await shopper.waitForURL((url) => url.pathname.endsWith("/authenticate"));
    expect(new URL(shopper.url()).origin).toBe(servers().apiUrl);
    await shopper.getByRole("heading", { level: 1, name: "Test bank: confirm the payment" }).waitFor();
    expect(await shopper.locator("main").textContent()).toContain("25.00 USD");
    await expectSettledPhonePage(shopper, "the local bank's page");
    await screenshot(shopper, "bank-3ds");
    await shopper.getByRole("button", { name: "Approve" }).click();

    // Back on the order, which waits for the bank's answer (the webhook), then is paid.
    await shopper.waitForURL(`${site}/orders/${orderId}?authenticating=1`);
    await shopper.getByText("Payment received").waitFor({ timeout: 30_000 });
    expect(await shopper.locator(".history li .badge").allTextContents()).toEqual(["pending", "paid"]);
    await expectSettledPhonePage(shopper, "order paid after 3-D Secure");
    const ledger = await apiCall<{ kind: string; status: string }[]>("GET", `/_local/payments?orderId=${orderId}`);
    expect(ledger.body.data.filter((e) => e.kind === "charge" && e.status === "succeeded")).toHaveLength(1);

    // The admin refunds 5.00 of it, with a confirmation.
    const admin = await browser.page();
    const adminAsked = acceptDialogs(admin);
    await signInOnPage(admin, servers().adminEmail, servers().adminPassword, servers().runSiteUrl);
    await admin.goto(`${site}/admin/orders?status=paid`);
    const card = admin.locator(`[data-order-id="${orderId}"]`);
    await card.waitFor();
    await card.getByRole("button", { name: /^Refund…/ }).click();
    const amount = card.getByLabel("Amount to refund");
    expect(await amount.inputValue()).toBe("25.00");
    await amount.fill("5,00");
    await card.getByLabel("Reason (optional)").fill("Scratched lid");
    await expectSettledPhonePage(admin, "admin orders, refund form");
    await card.evaluate((element) => element.scrollIntoView({ block: "start" }));
    await screenshot(admin, "admin-refund");
    await card.getByRole("button", { name: "Refund", exact: true }).click();
    await admin.getByText(`Order ${orderId}: $5.00 refunded.`).waitFor();
    expect(adminAsked).toEqual([`Refund $5.00 of order ${orderId.slice(0, 8)} to the customer's card? This cannot be undone.`]);
    expect(await card.textContent()).toContain("partly refunded ($25.00), $5.00 refunded");
    await expectSettledPhonePage(admin, "admin orders, refunded");

    await shopper.goto(`${site}/orders/${orderId}`);
    await shopper.getByRole("heading", { name: "Refunds" }).waitFor();
    expect(await shopper.locator("[data-refund-status]").allTextContents()).toEqual([expect.stringMatching(/^\$5\.00 refunded \(Scratched lid\), /)]);
    await expectSettledPhonePage(shopper, "order with a refund");

    // Cancelling the paid order: the confirmation says it refunds, and it does.
    await card.getByRole("button", { name: /^Cancel/ }).click();
    await admin.getByText(`Order ${orderId} is now cancelled.`).waitFor();
    expect(adminAsked[1]).toMatch(/^Cancel order \w+\? Its stock goes back on sale\. It is paid: the payment is refunded in full\. This cannot be undone\.$/);

    await shopper.reload();
    await shopper.locator("[data-refund-status]").nth(1).waitFor();
    const refunds = await shopper.locator("[data-refund-status]").allTextContents();
    expect(refunds[0]).toMatch(/^\$5\.00 refunded \(Scratched lid\)/);
    expect(refunds[1]).toMatch(/^\$20\.00 (refunded|on its way \(the payment provider has not confirmed it yet\)) \(the order was cancelled\)/);
    expect(await shopper.locator(".history li .badge").allTextContents()).toEqual(["pending", "paid", "cancelled"]);
    await expectSettledPhonePage(shopper, "cancelled order with its refunds");
    await shopper.getByRole("heading", { name: "Refunds" }).evaluate((heading) => heading.scrollIntoView({ block: "start" }));
    await screenshot(shopper, "order-refunds");
    const given = await apiCall<{ kind: string; status: string; amount: number }[]>("GET", `/_local/payments?orderId=${orderId}`);
    const back = given.body.data.filter((e) => e.kind === "refund" && e.status === "succeeded").reduce((sum, e) => sum + Math.round(e.amount * 100), 0);
    expect(back).toBe(2500); // all of it given back, by the provider's own ledger
    await shopper.close();
    await admin.close();
  }, 240_000);
});
