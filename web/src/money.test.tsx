import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { OrderDetail } from "./pages/Orders";
import { bankPage, leave, Payment } from "./pages/Payment";
import { signIn, signOut } from "./session";
import { fakeApi, ok } from "./test-utils";

const PENDING = {
  id: "o1",
  userId: "u1",
  status: "pending",
  items: [{ productId: "p1", name: "Teapot", price: 12.5, quantity: 1, lineTotal: 12.5 }],
  totalAmount: 12.5,
  shippingAddress: { street: "1 Leaf Lane", city: "Brewton", state: "BT", zipCode: "12345", country: "US" },
  payment: { status: "requires_payment", amount: 12.5, currency: "usd" },
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-01T10:00:00Z",
};
const AWAITING = {
  ...PENDING,
  payment: { status: "requires_action", amount: 12.5, currency: "usd", nextAction: { type: "redirect_to_url", url: "/_local/payments/pi_fake_1/authenticate" } },
};

beforeEach(() => {
  signIn({ token: "t", user: { userId: "u1", email: "c@example.com", name: "Cass", role: "customer" } });
  window.history.replaceState(null, "", "/orders/o1/pay");
});
afterEach(() => {
  cleanup();
  signOut();
  vi.restoreAllMocks();
});

describe("3-D Secure", () => {
  test("the bank's page: the local fake's path on the API, told to come back to the order; a provider's own page as given", () => {
    expect(bankPage("/_local/payments/pi_fake_1/authenticate", "o 1", "https://shop.example")).toBe(
      "http://api.test/_local/payments/pi_fake_1/authenticate?return_url=https%3A%2F%2Fshop.example%2Forders%2Fo%25201%3Fauthenticating%3D1",
    );
    const stripe = "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1&payment_intent=pi_1";
    expect(bankPage(stripe, "o1", "https://shop.example")).toBe(stripe);
  });

  test("a card that asks the bank (202 requires_action) sends the customer to the bank's page", async () => {
    const went = vi.spyOn(leave, "to").mockImplementation(() => undefined);
    const calls = fakeApi({
      "GET /orders/o1": ok(PENDING),
      "POST /orders/o1/payment": () => ({ status: 202, body: { success: true, data: AWAITING } }),
    });
    render(<Payment orderId="o1" />);
    await userEvent.click(await screen.findByLabelText("Test card that asks your bank to confirm (3-D Secure)"));
    await userEvent.click(screen.getByRole("button", { name: /^Pay/ }));
    await waitFor(() => expect(went).toHaveBeenCalledTimes(1));
    expect(went.mock.calls[0][0]).toBe(
      `http://api.test/_local/payments/pi_fake_1/authenticate?return_url=${encodeURIComponent(`${window.location.origin}/orders/o1?authenticating=1`)}`,
    );
    expect(JSON.parse(calls.find((c) => c.method === "POST")!.init.body as string)).toEqual({ paymentMethod: "pm_card_authenticationRequired" });
    expect(window.location.pathname).toBe("/orders/o1/pay"); // not marked paid: the bank decides
  });

  test("back from the bank, the order page waits for its answer and then says the payment was received", async () => {
    let reads = 0;
    fakeApi({
      "GET /orders/o1": () => {
        reads += 1;
        return reads < 3 ? ok(AWAITING) : ok({ ...PENDING, status: "paid", payment: { status: "succeeded", amount: 12.5, currency: "usd" } });
      },
    });
    render(<OrderDetail orderId="o1" justPaid={false} authenticating />);
    await screen.findByText("Waiting for your bank's answer…");
    await screen.findByText(/^Payment received/, undefined, { timeout: 5_000 });
    expect(screen.queryByText("Waiting for your bank's answer…")).toBeNull();
    expect(reads).toBe(3);
  });

  test("a bank that declined: said plainly, and the order can be paid again", async () => {
    const declined = { ...PENDING, payment: { ...PENDING.payment, lastDecline: { reason: "authentication_required" } } };
    fakeApi({ "GET /orders/o1": ok(declined) });
    render(<OrderDetail orderId="o1" justPaid={false} authenticating />);
    expect((await screen.findByRole("alert")).textContent).toContain("Your bank did not confirm the payment. Nothing was charged.");
    expect(screen.getByRole("link", { name: "Pay now" }).getAttribute("href")).toBe("/orders/o1/pay");
  });

  test("an order page opened normally does not poll", async () => {
    let reads = 0;
    fakeApi({
      "GET /orders/o1": () => {
        reads += 1;
        return ok(AWAITING);
      },
    });
    render(<OrderDetail orderId="o1" justPaid={false} />);
    await screen.findByRole("heading", { name: "Order" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(reads).toBe(1);
    expect(screen.queryByText("Waiting for your bank's answer…")).toBeNull();
  });
});
