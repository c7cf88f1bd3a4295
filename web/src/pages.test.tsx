import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ErrorMessage } from "./components";
import { ApiError } from "./api";
import { CartPage } from "./pages/CartPage";
import { Checkout } from "./pages/Checkout";
import { Payment } from "./pages/Payment";
import { safeNext } from "./pages/Auth";
import { Catalogue } from "./pages/Catalogue";
import { toBody } from "./admin/ProductForm";
import { match } from "./router";
import { signIn, signOut } from "./session";
import { fail, fakeApi, ok } from "./test-utils";

const CART = {
  items: [
    { productId: "p1", name: "Green Tea", price: 4.25, quantity: 2, lineTotal: 8.5, status: "ok" },
    { productId: "p2", name: "Black Tea", price: 3.1, quantity: 3, lineTotal: 9.3, status: "insufficient_stock", availableStock: 1 },
    { productId: "p3", name: "Old Tea", price: 2, quantity: 1, lineTotal: 0, status: "unavailable" },
  ],
  totalAmount: 17.8,
  itemCount: 6,
};
const ORDER = {
  id: "o1",
  userId: "u1",
  status: "pending",
  items: [{ productId: "p1", name: "Green Tea", price: 4.25, quantity: 3, lineTotal: 12.75 }],
  totalAmount: 12.75,
  shippingAddress: { street: "s", city: "c", state: "st", zipCode: "z", country: "US" },
  payment: { status: "requires_payment", amount: 12.75, currency: "usd" },
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-01T10:00:00Z",
};

beforeEach(() => {
  sessionStorage.clear();
  signIn({ token: "t", user: { userId: "u1", email: "a@example.com", name: "Ann", role: "customer" } });
  window.history.replaceState(null, "", "/");
});
afterEach(() => {
  cleanup();
  signOut();
});

describe("ErrorMessage", () => {
  test("shows the message and field messages as text, never as markup", () => {
    const error = new ApiError('<img src=x onerror="alert(1)">Bad', 400, "VALIDATION_ERROR", { "shippingAddress.city": ["<b>Required</b>"] });
    const { container } = render(<ErrorMessage error={error} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain('<img src=x onerror="alert(1)">Bad');
    expect(alert.textContent).toContain("shippingAddress.city: <b>Required</b>");
    expect(container.querySelector("img, b")).toBeNull();
  });
});

describe("the catalogue", () => {
  test("loads more on the cursor the API gave, and keeps the first page", async () => {
    const calls = fakeApi({
      "GET /products": (_init, url) =>
        url.searchParams.get("cursor") === "next-1"
          ? ok([{ id: "b", name: "Second", price: 2, category: "Toys", stock: 1 }], { nextCursor: null, limit: 12 })
          : ok([{ id: "a", name: "First", price: 1, category: "Books", stock: 0 }], { nextCursor: "next-1", limit: 12 }),
    });
    render(<Catalogue category="" />);
    await screen.findByRole("link", { name: "First" });
    expect(screen.getByText("Out of stock")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByRole("link", { name: "Second" });
    expect(screen.getAllByRole("listitem").map((li) => within(li).getByRole("heading").textContent)).toEqual(["First", "Second"]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(calls.filter((c) => c.url.pathname === "/products").map((c) => c.url.searchParams.get("cursor"))).toEqual([null, "next-1"]);
    // Categories seen so far fill the filter.
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["All categories", "Books", "Toys"]);
  });

  test("an API error shows its message", async () => {
    fakeApi({ "GET /products": fail(503, "Service temporarily unavailable", "SERVICE_UNAVAILABLE") });
    render(<Catalogue category="" />);
    expect((await screen.findByRole("alert")).textContent).toContain("Service temporarily unavailable");
  });
});

describe("the cart", () => {
  test("shows each line's status, the server's total, and blocks checkout while a line is not ok", async () => {
    fakeApi({ "GET /cart": ok(CART) });
    render(<CartPage />);
    await screen.findByText("Only 1 left");
    expect(screen.getByText("No longer available")).toBeTruthy();
    expect(screen.getByText("In stock")).toBeTruthy();
    expect(screen.getByText(/6 items, total/).textContent).toBe("6 items, total $17.80");
    expect(screen.queryByRole("link", { name: "Check out" })).toBeNull();
    expect((screen.getByLabelText("Quantity of Old Tea") as HTMLInputElement).disabled).toBe(true);
  });

  test("a line whose product has no stock left says so", async () => {
    fakeApi({ "GET /cart": ok({ items: [{ ...CART.items[1], availableStock: 0 }], totalAmount: 9.3, itemCount: 3 }) });
    render(<CartPage />);
    await screen.findByText("Out of stock");
    expect(screen.queryByText(/Only/)).toBeNull();
  });

  test("a quantity change sends PUT and shows the cart the API answers", async () => {
    const calls = fakeApi({
      "GET /cart": ok({ items: [CART.items[0]], totalAmount: 8.5, itemCount: 2 }),
      "PUT /cart/items/p1": ok({ items: [{ ...CART.items[0], quantity: 5, lineTotal: 21.25 }], totalAmount: 21.25, itemCount: 5 }),
    });
    render(<CartPage />);
    const input = await screen.findByLabelText("Quantity of Green Tea");
    await userEvent.clear(input);
    await userEvent.type(input, "5{Enter}");
    await waitFor(() => expect(screen.getByText(/items, total/).textContent).toBe("5 items, total $21.25"));
    const put = calls.find((c) => c.method === "PUT")!;
    expect(JSON.parse(put.init.body as string)).toEqual({ quantity: 5 });
    expect(screen.getByRole("link", { name: "Check out" })).toBeTruthy();
  });

  test("the API's refusal of a quantity is shown", async () => {
    fakeApi({
      "GET /cart": ok({ items: [CART.items[0]], totalAmount: 8.5, itemCount: 2 }),
      "PUT /cart/items/p1": fail(409, "Not enough stock", "OUT_OF_STOCK"),
    });
    render(<CartPage />);
    const input = await screen.findByLabelText("Quantity of Green Tea");
    await userEvent.clear(input);
    await userEvent.type(input, "99{Enter}");
    expect((await screen.findByRole("alert")).textContent).toContain("Not enough stock");
  });
});

describe("checkout", () => {
  async function fillAddress() {
    for (const label of ["Street", "City", "State or region", "Postal code", "Country"]) {
      await userEvent.type(await screen.findByLabelText(label), "x");
    }
  }

  test("sends expectedTotal and a fresh key per attempt; a definite refusal gets a new key next time", async () => {
    let attempt = 0;
    const calls = fakeApi({
      "GET /cart": ok({ items: [CART.items[0]], totalAmount: 8.5, itemCount: 2 }),
      "POST /checkout": () => (++attempt === 1 ? fail(409, "Prices changed", "PRICE_CHANGED", { totalAmount: 9 }) : { status: 201, body: { success: true, data: ORDER } }),
    });
    render(<Checkout />);
    await fillAddress();
    await userEvent.click(screen.getByRole("button", { name: "Place order" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Prices changed");
    await userEvent.click(screen.getByRole("button", { name: "Place order" }));
    await waitFor(() => expect(window.location.pathname).toBe("/orders/o1/pay"));
    const posts = calls.filter((c) => c.method === "POST");
    const keys = posts.map((c) => (c.init.headers as Record<string, string>)["Idempotency-Key"]);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(keys[0]).not.toBe(keys[1]);
    expect(JSON.parse(posts[0].init.body as string).expectedTotal).toBe(8.5);
  });

  test("an attempt whose outcome is unknown (a 503) is retried with the same key", async () => {
    let attempt = 0;
    const calls = fakeApi({
      "GET /cart": ok({ items: [CART.items[0]], totalAmount: 8.5, itemCount: 2 }),
      "POST /checkout": () => (++attempt === 1 ? fail(503, "Service temporarily unavailable", "SERVICE_UNAVAILABLE") : { status: 201, body: { success: true, data: ORDER } }),
    });
    render(<Checkout />);
    await fillAddress();
    await userEvent.click(screen.getByRole("button", { name: "Place order" }));
    await screen.findByRole("alert");
    await userEvent.click(screen.getByRole("button", { name: "Place order" }));
    await waitFor(() => expect(window.location.pathname).toBe("/orders/o1/pay"));
    const keys = calls.filter((c) => c.method === "POST").map((c) => (c.init.headers as Record<string, string>)["Idempotency-Key"]);
    expect(keys[0]).toBe(keys[1]);
  });
});

describe("payment", () => {
  test("a decline is shown clearly and the order can be paid with another method", async () => {
    const methods: string[] = [];
    fakeApi({
      "GET /orders/o1": ok(ORDER),
      "POST /orders/o1/payment": (init) => {
        const { paymentMethod } = JSON.parse(init.body as string);
        methods.push(paymentMethod);
        return paymentMethod === "pm_card_chargeDeclined"
          ? fail(402, "Payment declined", "PAYMENT_DECLINED", { reason: "card_declined" })
          : ok({ ...ORDER, status: "paid", payment: { status: "succeeded", amount: 12.75, currency: "usd" } });
      },
    });
    render(<Payment orderId="o1" />);
    await userEvent.click(await screen.findByLabelText("Test card that is declined"));
    await userEvent.click(screen.getByRole("button", { name: /^Pay/ }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Payment declined.");
    expect(alert.textContent).toContain("The card was declined.");
    await userEvent.click(screen.getByLabelText("Visa test card (succeeds)"));
    await userEvent.click(screen.getByRole("button", { name: /^Pay/ }));
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/orders/o1?paid=1"));
    expect(methods).toEqual(["pm_card_chargeDeclined", "pm_card_visa"]);
  });
});

describe("small rules", () => {
  test("sign-in only returns to a path on this site", () => {
    expect(safeNext("/cart")).toBe("/cart");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });

  test("an edit sends only the fields that changed", () => {
    const original = { id: "p", name: "Can", price: 12.5, category: "Garden", stock: 7, createdAt: "", updatedAt: "" };
    expect(toBody({ name: "Can", description: "", price: "13.75", category: "Garden", stock: "7" }, original)).toEqual({ price: 13.75 });
    expect(toBody({ name: " New ", description: "", price: "1", category: "C", stock: "0" })).toEqual({ name: "New", price: 1, category: "C", stock: 0 });
  });

  test("routes match and decode their parameters", () => {
    expect(match("/products/:id", "/products/a%2Fb")).toEqual({ id: "a/b" });
    expect(match("/orders/:id/pay", "/orders/o1")).toBeNull();
    expect(match("/products/:id", "/products/%E0%A4%A")).toBeNull();
  });
});
