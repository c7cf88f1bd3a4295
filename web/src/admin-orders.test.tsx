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
  test("each order shows its customer account, address, lines, payment and a link to its page", async () => {
    fakeApi({ "GET /orders": ok([PAID], { nextCursor: null }) });
    render(<AdminOrders status="paid" />);
    const card = await screen.findByRole("listitem", { name: /Order 0a1b2c3d/ });
    const text = card.textContent ?? "";
    expect(text).toContain("u-42");
    expect(text).toContain("1 Leaf Lane");
    expect(text).toContain("12345 Brewton, BT");
    expect(text).toContain("2 × Green Tea $8.50");
    expect(text).toContain("1 × Teapot $20.00");
    expect(text).toContain("paid ($28.50)");
    expect(within(card).getByRole("link", { name: /Order 0a1b2c3d/ }).getAttribute("href")).toBe(`/orders/${PAID.id}`);
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

  test("a shipped order shows its tracking", async () => {
    const shipped = { ...PAID, status: "shipped", tracking: { carrier: "DHL", number: "JD0123", url: "https://track.example/JD0123" } };
    fakeApi({ [`GET /orders/${PAID.id}`]: ok(shipped) });
    render(<OrderDetail orderId={PAID.id} justPaid={false} />);
    await screen.findByRole("heading", { name: "Tracking" });
    expect(screen.getByText("JD0123")).toBeTruthy();
    expect(screen.getByRole("link", { name: /Follow the parcel/ }).getAttribute("href")).toBe("https://track.example/JD0123");
  });
});
