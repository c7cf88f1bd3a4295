import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import AdminOrders from "./admin/AdminOrders";
import { OrderDetail } from "./pages/Orders";
import { signIn, signOut } from "./session";
import { fakeApi, ok } from "./test-utils";

const PAID = {
  id: "0a1b2c3d-0000-4000-8000-000000000001",
  userId: "u-42",
  status: "paid",
  items: [
    { productId: "p1", name: "Green Tea", price: 4.25, quantity: 2, lineTotal: 8.5 },
    { productId: "p2", name: "Teapot", price: 20, quantity: 1, lineTotal: 20 },
  ],
  totalAmount: 28.5,
  shippingAddress: { street: "1 Leaf Lane", city: "Brewton", state: "BT", zipCode: "12345", country: "US" },
  payment: { status: "succeeded", amount: 28.5, currency: "usd", provider: "fake", reference: "pi_1" },
  customer: { email: "cass@example.com", name: "Cass Customer" },
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-01T10:00:00Z",
};

beforeEach(() => {
  sessionStorage.clear();
  signIn({ token: "t", user: { userId: "a1", email: "admin@example.com", name: "Ada", role: "admin" } });
  window.history.replaceState(null, "", "/admin/orders?status=paid");
});
afterEach(() => {
  cleanup();
  signOut();
});

describe("the admin orders page", () => {
  test("each order shows its customer's name, email and account, address, lines, payment and a link to its page", async () => {
    fakeApi({ "GET /orders": ok([PAID], { nextCursor: null }) });
    render(<AdminOrders status="paid" />);
    const card = await screen.findByRole("listitem", { name: /Order 0a1b2c3d/ });
    const text = card.textContent ?? "";
    expect(text).toContain("CustomerCass Customercass@example.comaccount u-42");
    expect(within(card).getByRole("link", { name: "cass@example.com" }).getAttribute("href")).toBe("mailto:cass@example.com");
    expect(text).toContain("1 Leaf Lane");
    expect(text).toContain("12345 Brewton, BT");
    expect(text).toContain("2 × Green Tea $8.50");
    expect(text).toContain("1 × Teapot $20.00");
    expect(text).toContain("paid ($28.50)");
    expect(within(card).getByRole("link", { name: /Order 0a1b2c3d/ }).getAttribute("href")).toBe(`/orders/${PAID.id}`);
  });

  test("an order placed before customers were kept shows its account only", async () => {
    fakeApi({ "GET /orders": ok([{ ...PAID, customer: { email: null, name: null } }], { nextCursor: null }) });
    render(<AdminOrders status="paid" />);
    const card = await screen.findByRole("listitem", { name: /Order 0a1b2c3d/ });
    expect(card.textContent).toContain("Customeraccount u-42Ship to");
    expect(within(card).queryByRole("link", { name: /@/ })).toBeNull();
  });

  test("cancel asks first (saying a paid order is refunded); no is no request", async () => {
    const calls = fakeApi({
      "GET /orders": ok([PAID], { nextCursor: null }),
      [`POST /orders/${PAID.id}/cancel`]: ok({ ...PAID, status: "cancelled" }),
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    render(<AdminOrders status="paid" />);
    const cancel = await screen.findByRole("button", { name: /^Cancel order/ });
    await userEvent.click(cancel);
    expect(confirm.mock.calls[0][0]).toMatch(/^Cancel order 0a1b2c3d\? .*refunded in full.*cannot be undone/);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    await userEvent.click(cancel);
    await screen.findByText(`Order ${PAID.id} is now cancelled.`);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
    expect(screen.queryByRole("listitem", { name: /Order 0a1b2c3d/ })).toBeNull();
  });

  test("ship takes the carrier, number and link, and sends them as tracking", async () => {
    const calls = fakeApi({
      "GET /orders": ok([PAID], { nextCursor: null }),
      [`PUT /orders/${PAID.id}/status`]: (init) => ok({ ...PAID, ...JSON.parse(init.body as string) }),
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    render(<AdminOrders status="paid" />);
    await userEvent.click(await screen.findByRole("button", { name: /^Mark shipped/ }));
    const form = screen.getByRole("form", { name: "Ship order 0a1b2c3d" });
    await userEvent.type(within(form).getByLabelText("Carrier"), "DHL");
    await userEvent.type(within(form).getByLabelText("Tracking number"), "JD0123");
    await userEvent.type(within(form).getByLabelText(/Tracking link/), "https://track.example/JD0123");
    await userEvent.click(within(form).getByRole("button", { name: "Ship order" }));
    await screen.findByText(`Order ${PAID.id} is now shipped (DHL JD0123).`);
    expect(confirm.mock.calls[0][0]).toContain("Tracking: DHL JD0123");
    const put = calls.find((c) => c.method === "PUT")!;
    expect(JSON.parse(put.init.body as string)).toEqual({
      status: "shipped",
      tracking: { carrier: "DHL", number: "JD0123", url: "https://track.example/JD0123" },
    });
  });
});

describe("the admin's refund", () => {
  test("asks for the amount (a comma is fine), never more than is left, confirms, then sends it with a key", async () => {
    const partly = { ...PAID, payment: { ...PAID.payment, status: "partially_refunded", refundedAmount: 8.5 } };
    const after = { ...partly, payment: { ...partly.payment, refundedAmount: 18.5 }, refunds: [] };
    const calls = fakeApi({
      "GET /orders": ok([partly], { nextCursor: null }),
      [`POST /orders/${PAID.id}/refunds`]: (init) => ({
        status: 201,
        body: { success: true, data: { id: "r2", orderId: PAID.id, status: "succeeded", reason: "damaged", createdAt: "", ...JSON.parse(init.body as string) } },
      }),
      [`GET /orders/${PAID.id}`]: ok(after),
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    render(<AdminOrders status="paid" />);
    await userEvent.click(await screen.findByRole("button", { name: /^Refund… order/ }));
    const form = screen.getByRole("form", { name: "Refund order 0a1b2c3d" });
    const amount = within(form).getByLabelText("Amount to refund") as HTMLInputElement;
    expect(amount.value).toBe("20.00"); // what is left: 28.50 charged, 8.50 refunded
    expect(form.textContent).toContain("$20.00 left to refund.");

    await userEvent.clear(amount);
    await userEvent.type(amount, "20,01");
    await userEvent.click(within(form).getByRole("button", { name: "Refund" }));
    expect(within(form).getByRole("alert").textContent).toBe("At most $20.00 is left to refund.");
    expect(confirm).not.toHaveBeenCalled();

    await userEvent.clear(amount);
    await userEvent.type(amount, "10,00");
    await userEvent.type(within(form).getByLabelText("Reason (optional)"), "damaged");
    await userEvent.click(within(form).getByRole("button", { name: "Refund" }));
    expect(confirm.mock.calls[0][0]).toBe("Refund $10.00 of order 0a1b2c3d to the customer's card? This cannot be undone.");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0); // no is no request

    await userEvent.click(within(form).getByRole("button", { name: "Refund" }));
    await screen.findByText(`Order ${PAID.id}: $10.00 refunded.`);
    const posted = calls.filter((c) => c.method === "POST");
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0].init.body as string)).toEqual({ amount: 10, reason: "damaged" });
    expect((posted[0].init.headers as Record<string, string>)["Idempotency-Key"]).toMatch(/^[0-9a-f]{32}$/);
    // The card shows the order as it is now.
    const card = screen.getByRole("listitem", { name: /Order 0a1b2c3d/ });
    expect(card.textContent).toContain("$18.50 refunded");
    expect(within(card).getByRole("button", { name: /^Refund… order/ })).toBeTruthy(); // $10.00 still left
  });

  test("an order with nothing charged, or all refunded, offers no refund", async () => {
    const refunded = { ...PAID, id: "0a1b2c3d-0000-4000-8000-000000000002", payment: { ...PAID.payment, status: "refunded", refundedAmount: 28.5 } };
    const pending = { ...PAID, id: "0a1b2c3d-0000-4000-8000-000000000003", status: "pending", payment: { status: "requires_payment", amount: 28.5, currency: "usd" } };
    fakeApi({ "GET /orders": ok([refunded, pending], { nextCursor: null }) });
    render(<AdminOrders status="paid" />);
    await screen.findAllByRole("listitem", { name: /Order 0a1b2c3d/ });
    expect(screen.queryByRole("button", { name: /^Refund…/ })).toBeNull();
  });
});

test("ship without tracking sends none (the contract's tracking is optional)", async () => {
  const calls = fakeApi({
    "GET /orders": ok([PAID], { nextCursor: null }),
    [`PUT /orders/${PAID.id}/status`]: (init) => ok({ ...PAID, ...JSON.parse(init.body as string) }),
  });
  vi.spyOn(window, "confirm").mockReturnValue(true);
  render(<AdminOrders status="paid" />);
  await userEvent.click(await screen.findByRole("button", { name: /^Mark shipped/ }));
  await userEvent.click(screen.getByRole("button", { name: "Ship order" }));
  await screen.findByText(`Order ${PAID.id} is now shipped.`);
  expect(JSON.parse(calls.find((c) => c.method === "PUT")!.init.body as string)).toEqual({ status: "shipped" });
});

describe("the order page", () => {
  beforeEach(() => signIn({ token: "t", user: { userId: "u-42", email: "c@example.com", name: "Cass", role: "customer" } }));

  test("a customer's cancel asks first", async () => {
    const pending = { ...PAID, status: "pending", payment: { status: "requires_payment", amount: 28.5, currency: "usd" } };
    const calls = fakeApi({
      [`GET /orders/${PAID.id}`]: ok(pending),
      [`POST /orders/${PAID.id}/cancel`]: ok({ ...pending, status: "cancelled" }),
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    render(<OrderDetail orderId={PAID.id} justPaid={false} />);
    const cancel = await screen.findByRole("button", { name: "Cancel order" });
    await userEvent.click(cancel);
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    await userEvent.click(cancel);
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
  });

  test("its owner is not told who they are; an admin reading it sees the customer", async () => {
    fakeApi({ [`GET /orders/${PAID.id}`]: ok(PAID) });
    render(<OrderDetail orderId={PAID.id} justPaid={false} />);
    await screen.findByRole("heading", { name: "Shipping to" });
    expect(screen.queryByRole("heading", { name: "Customer" })).toBeNull();
    cleanup();
    signIn({ token: "t", user: { userId: "a1", email: "admin@example.com", name: "Ada", role: "admin" } });
    render(<OrderDetail orderId={PAID.id} justPaid={false} />);
    await screen.findByRole("heading", { name: "Customer" });
    expect(screen.getByRole("link", { name: "cass@example.com" }).getAttribute("href")).toBe("mailto:cass@example.com");
    expect(screen.getByText("Cass Customer")).toBeTruthy();
  });

  test("its refunds are listed with their amount, state and reason", async () => {
    const cancelled = {
      ...PAID,
      status: "cancelled",
      payment: { ...PAID.payment, status: "refunded", refundedAmount: 28.5 },
      refunds: [
        { id: "r1", amount: 8.5, status: "succeeded", reason: "requested_by_admin", createdAt: "2026-12-02T10:00:00Z" },
        { id: "r2", amount: 20, status: "pending", reason: "order_cancelled", createdAt: "2026-12-03T10:00:00Z" },
      ],
    };
    fakeApi({ [`GET /orders/${PAID.id}`]: ok(cancelled) });
    render(<OrderDetail orderId={PAID.id} justPaid={false} />);
    await screen.findByRole("heading", { name: "Refunds" });
    const items = screen.getAllByRole("listitem").filter((li) => li.dataset.refundStatus);
    expect(items.map((li) => li.textContent?.split(",")[0])).toEqual([
      "$8.50 refunded (issued by the shop)",
      "$20.00 on its way (the payment provider has not confirmed it yet) (the order was cancelled)",
    ]);
    expect(screen.getByText(/refunded \(\$28\.50\), \$28\.50 refunded/)).toBeTruthy();
  });

  test("a shipped order shows its tracking", async () => {
    const shipped = { ...PAID, status: "shipped", tracking: { carrier: "DHL", number: "JD0123", url: "https://track.example/JD0123" } };
    fakeApi({ [`GET /orders/${PAID.id}`]: ok(shipped) });
    render(<OrderDetail orderId={PAID.id} justPaid={false} />);
    await screen.findByRole("heading", { name: "Tracking" });
    expect(screen.getByText("JD0123")).toBeTruthy();
    expect(screen.getByRole("link", { name: /Follow the parcel/ }).getAttribute("href")).toBe("https://track.example/JD0123");
  });
});
