import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import AdminOrders from "./admin/AdminOrders";
import type { Order } from "./api";
import { OrderDetail } from "./pages/Orders";
import { returnable } from "./returns";
import { signIn, signOut } from "./session";
import { fail, fakeApi, ok } from "./test-utils";

// Written to the contract (API.md, "Returns"); the API side is being built on another branch.
const DELIVERED = {
  id: "0a1b2c3d-0000-4000-8000-000000000009",
  userId: "u1",
  status: "delivered",
  items: [
    { productId: "p1", name: "Green Tea", price: 4.25, quantity: 2, lineTotal: 8.5 },
    { productId: "p2", name: "Teapot", price: 20, quantity: 1, lineTotal: 20 },
  ],
  totalAmount: 28.5,
  shippingAddress: { street: "1 Leaf Lane", city: "Brewton", state: "BT", zipCode: "12345", country: "US" },
  payment: { status: "succeeded", amount: 28.5, currency: "usd" },
  customer: { email: "c@example.com", name: "Cass" },
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-04T10:00:00Z",
};
const REQUESTED = { id: "ret1", items: [{ productId: "p2", quantity: 1, price: 20 }], amount: 20, reason: "Cracked spout", status: "requested", createdAt: "2026-12-05T10:00:00Z" };

afterEach(() => {
  cleanup();
  signOut();
  vi.restoreAllMocks();
});

test("what may still be returned: bought, less returns not rejected", () => {
  const order = {
    ...DELIVERED,
    returns: [
      { ...REQUESTED, items: [{ productId: "p1", quantity: 1, price: 4.25 }] },
      { ...REQUESTED, id: "ret2", status: "rejected", items: [{ productId: "p2", quantity: 1, price: 20 }] },
    ],
  } as Order;
  expect(returnable(order)).toEqual({ p1: 1, p2: 1 });
});

describe("the customer's return", () => {
  beforeEach(() => signIn({ token: "t", user: { userId: "u1", email: "c@example.com", name: "Cass", role: "customer" } }));

  test("a delivered order: choose units and say why; nothing chosen is never sent", async () => {
    let returned = false;
    const calls = fakeApi({
      [`GET /orders/${DELIVERED.id}`]: () => ok(returned ? { ...DELIVERED, returns: [REQUESTED] } : DELIVERED),
      [`POST /orders/${DELIVERED.id}/returns`]: () => {
        returned = true;
        return { status: 201, body: { success: true, data: { ...REQUESTED, orderId: DELIVERED.id } } };
      },
    });
    render(<OrderDetail orderId={DELIVERED.id} justPaid={false} />);
    await userEvent.click(await screen.findByRole("button", { name: "Return items" }));
    const form = screen.getByRole("form", { name: "Return items" });
    expect((within(form).getByLabelText("Green Tea (up to 2)") as HTMLInputElement).max).toBe("2");
    await userEvent.type(within(form).getByLabelText("Why"), "Cracked spout");
    await userEvent.click(within(form).getByRole("button", { name: "Ask for the return" }));
    expect(within(form).getByRole("alert").textContent).toBe("Choose at least one item to return.");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

    const teapot = within(form).getByLabelText("Teapot (up to 1)");
    await userEvent.clear(teapot);
    await userEvent.type(teapot, "1");
    await userEvent.click(within(form).getByRole("button", { name: "Ask for the return" }));
    await screen.findByRole("heading", { name: "Returns" });
    const posted = calls.find((c) => c.method === "POST")!;
    expect(JSON.parse(posted.init.body as string)).toEqual({ items: [{ productId: "p2", quantity: 1 }], reason: "Cracked spout" });
    const listed = document.querySelector('[data-return-status="requested"]')!;
    expect(listed.textContent).toMatch(/^1 × Teapot, \$20\.00: asked for: send the items back, asked .* because: “Cracked spout”$/);
  });

  test("the API's refusal (window closed) is shown", async () => {
    fakeApi({
      [`GET /orders/${DELIVERED.id}`]: ok(DELIVERED),
      [`POST /orders/${DELIVERED.id}/returns`]: fail(409, "The return window closed on 2026-12-31", "RETURN_WINDOW_CLOSED"),
    });
    render(<OrderDetail orderId={DELIVERED.id} justPaid={false} />);
    await userEvent.click(await screen.findByRole("button", { name: "Return items" }));
    await userEvent.type(screen.getByLabelText("Green Tea (up to 2)"), "1");
    await userEvent.type(screen.getByLabelText("Why"), "Too much tea");
    await userEvent.click(screen.getByRole("button", { name: "Ask for the return" }));
    expect((await screen.findByRole("alert")).textContent).toContain("The return window closed on 2026-12-31");
  });

  test("an order not delivered offers no return", async () => {
    fakeApi({ [`GET /orders/${DELIVERED.id}`]: ok({ ...DELIVERED, status: "shipped" }) });
    render(<OrderDetail orderId={DELIVERED.id} justPaid={false} />);
    await screen.findByRole("heading", { name: "Shipping to" });
    expect(screen.queryByRole("button", { name: "Return items" })).toBeNull();
  });
});

describe("the shop's decision", () => {
  beforeEach(() => {
    signIn({ token: "t", user: { userId: "a1", email: "admin@example.com", name: "Ada", role: "admin" } });
    window.history.replaceState(null, "", "/admin/orders?status=delivered");
  });

  test("receive asks first, says it refunds (and restocks), then sends restock", async () => {
    const calls = fakeApi({
      "GET /orders": ok([{ ...DELIVERED, returns: [REQUESTED] }], { nextCursor: null }),
      [`POST /orders/${DELIVERED.id}/returns/ret1/receive`]: ok({ ...REQUESTED, status: "received", restocked: true }),
      [`GET /orders/${DELIVERED.id}`]: ok({ ...DELIVERED, returns: [{ ...REQUESTED, status: "received", restocked: true }] }),
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    render(<AdminOrders status="delivered" />);
    const receive = await screen.findByRole("button", { name: "Receive and refund $20.00" });
    await userEvent.click(receive);
    expect(confirm.mock.calls[0][0]).toBe(
      "Receive the return of order 0a1b2c3d? Its amount is refunded to the customer and its units go back in stock. This cannot be undone.",
    );
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    await userEvent.click(receive);
    await screen.findByText(`The return of order ${DELIVERED.id} is received and refunded.`);
    expect(JSON.parse(calls.find((c) => c.method === "POST")!.init.body as string)).toEqual({ restock: true });
    await waitFor(() => expect(document.querySelector('[data-return-status="received"]')).not.toBeNull());
    expect(screen.queryByRole("button", { name: /Receive and refund/ })).toBeNull();
  });

  test("reject takes a reason and sends it", async () => {
    const calls = fakeApi({
      "GET /orders": ok([{ ...DELIVERED, returns: [REQUESTED] }], { nextCursor: null }),
      [`POST /orders/${DELIVERED.id}/returns/ret1/reject`]: ok({ ...REQUESTED, status: "rejected", rejectionReason: "Used" }),
      [`GET /orders/${DELIVERED.id}`]: ok({ ...DELIVERED, returns: [{ ...REQUESTED, status: "rejected", rejectionReason: "Used" }] }),
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    render(<AdminOrders status="delivered" />);
    await userEvent.click(await screen.findByRole("button", { name: "Reject…" }));
    const form = screen.getByRole("form", { name: "Reject the return of order 0a1b2c3d" });
    await userEvent.type(within(form).getByLabelText("Why it is rejected"), "Used");
    await userEvent.click(within(form).getByRole("button", { name: "Reject the return" }));
    await screen.findByText(`The return of order ${DELIVERED.id} is rejected.`);
    expect(JSON.parse(calls.find((c) => c.method === "POST")!.init.body as string)).toEqual({ reason: "Used" });
    await waitFor(() => expect(document.querySelector('[data-return-status="rejected"]')?.textContent).toContain("rejected (Used)"));
  });
});
