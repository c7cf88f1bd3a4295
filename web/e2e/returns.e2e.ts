// Issue 28's returns in the storefront, at a phone's 390 px: a customer's order is paid, shipped
// and delivered (through the API, as the provider's and the admin's part); the customer asks on
// the order page to return one of the two units; the admin receives it (the units back in stock,
// after a confirmation that says it refunds); the customer sees the return received and its
// refund, which the provider's own ledger shows given once.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { acceptDialogs, adminToken, apiCall, expectSettledPhonePage, launch, PASSWORD, registerByApi, servers, signInOnPage, type Browser } from "./browser";

const PHONE = { width: 390, height: 844 };
const ADDRESS = { street: "5 Return Row", city: "Sendback", state: "SB", zipCode: "30303", country: "US" };

let browser: Browser;
beforeAll(async () => {
  browser = await launch(PHONE);
});
afterAll(async () => {
  await browser?.close();
});

async function stockOf(productId: string): Promise<number> {
  return (await apiCall<{ stock: number }>("GET", `/products/${productId}`)).body.data.stock;
}

describe("returns", () => {
  test("a delivered order: the customer returns one unit, the admin receives it, the refund follows once", async () => {
    const site = servers().siteUrl;
    const token = await adminToken();
    const created = await apiCall<{ id: string }>("POST", "/products", {
      token,
      body: { name: "Enamel Mug", price: 8, category: `Returns${Date.now().toString(36)}`, stock: 10 },
    });
    expect(created.status).toBe(201);
    const productId = created.body.data.id;
    const customer = await registerByApi("Rita Return");
    const placed = await apiCall<{ id: string }>("POST", "/orders", {
      token: customer.token,
      body: { items: [{ productId, quantity: 2 }], shippingAddress: ADDRESS },
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.data.id;
    const paid = await apiCall("POST", `/orders/${orderId}/payment`, { token: customer.token, body: { paymentMethod: "pm_card_visa" } });
    expect(paid.status).toBe(200);
    for (const status of ["shipped", "delivered"]) {
      const moved = await apiCall("PUT", `/orders/${orderId}/status`, { token, body: { status } });
      expect(moved.status, `to ${status}`).toBe(200);
    }
    expect(await stockOf(productId)).toBe(8);

    // The customer asks to return one of the two, and says why.
    const shopper = await browser.page();
    await signInOnPage(shopper, customer.email, PASSWORD);
    await shopper.goto(`${site}/orders/${orderId}`);
    await shopper.getByRole("button", { name: "Return items" }).click();
    const form = shopper.getByRole("form", { name: "Return items" });
    await form.getByLabel("Enamel Mug (up to 2)").fill("1");
    await form.getByLabel("Why").fill("Chipped rim");
    await expectSettledPhonePage(shopper, "order, return form");
    await form.getByRole("button", { name: "Ask for the return" }).click();
    const asked = shopper.locator('[data-return-status="requested"]');
    await asked.waitFor();
    expect(await asked.textContent()).toMatch(/^1 × Enamel Mug, \$8\.00: asked for: send the items back, asked .* because: “Chipped rim”$/);
    await shopper.getByText("Your return is asked for.").waitFor();
    await expectSettledPhonePage(shopper, "order with a return asked for");

    // The admin receives it, units back in stock, after a confirmation that says it refunds.
    const admin = await browser.page();
    const adminAsked = acceptDialogs(admin);
    await signInOnPage(admin, servers().adminEmail, servers().adminPassword);
    await admin.goto(`${site}/admin/orders?status=delivered`);
    const card = admin.locator(`[data-order-id="${orderId}"]`);
    await card.waitFor();
    const receive = card.getByRole("form", { name: `Receive the return of order ${orderId.slice(0, 8)}` });
    expect(await receive.getByLabel("Put the units back in stock").isChecked()).toBe(true);
    await expectSettledPhonePage(admin, "admin orders, a return to decide");
    await receive.getByRole("button", { name: "Receive and refund $8.00" }).click();
    await admin.getByText(`The return of order ${orderId} is received and refunded.`).waitFor();
    expect(adminAsked).toEqual([
      `Receive the return of order ${orderId.slice(0, 8)}? Its amount is refunded to the customer and its units go back in stock. This cannot be undone.`,
    ]);
    await card.locator('[data-return-status="received"]').waitFor();
    expect(await card.getByRole("button", { name: /^Receive and refund/ }).count()).toBe(0); // decided once
    expect(await stockOf(productId)).toBe(9);

    // The customer sees the return received and its refund, in words (not the API's code).
    await shopper.reload();
    await shopper.locator('[data-return-status="received"]').waitFor();
    expect(await shopper.locator('[data-return-status="received"]').textContent()).toMatch(/^1 × Enamel Mug, \$8\.00: received and refunded,/);
    await shopper.getByRole("heading", { name: "Refunds" }).waitFor();
    const refunds = await shopper.locator("[data-refund-status]").allTextContents();
    expect(refunds).toEqual([expect.stringMatching(/^\$8\.00 (refunded|on its way \(the payment provider has not confirmed it yet\)) \(your return arrived\), /)]);
    expect(await shopper.getByRole("button", { name: "Return items" }).count()).toBe(1); // one unit may still go back
    await expectSettledPhonePage(shopper, "order with a received return");

    const ledger = await apiCall<{ kind: string; status: string; amount: number }[]>("GET", `/_local/payments?orderId=${orderId}`);
    const back = ledger.body.data.filter((e) => e.kind === "refund" && e.status === "succeeded").map((e) => Math.round(e.amount * 100));
    expect(back).toEqual([800]); // refunded once, by the provider's own ledger
    await shopper.close();
    await admin.close();
  }, 240_000);
});
