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
import { ProductPage } from "./pages/ProductPage";
import ProductForm, { parsePrice, toBody } from "./admin/ProductForm";
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
    // Categories seen so far fill the filter (an effect after the page renders: waited for).
    await waitFor(() => expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["All categories", "Books", "Toys"]));
  });

  test("an API error shows its message", async () => {
    fakeApi({ "GET /products": fail(503, "Service temporarily unavailable", "SERVICE_UNAVAILABLE") });
    render(<Catalogue category="" />);
    expect((await screen.findByRole("alert")).textContent).toContain("Service temporarily unavailable");
  });
});

describe("catalogue cards", () => {
  test("show the first picture's thumb, lazily, in a fixed box; a product without one gets the placeholder", async () => {
    const image = (id: string) => ({ id, urls: { thumb: `https://media.test/${id}-thumb.webp`, large: `https://media.test/${id}.webp` }, width: 1280, height: 960 });
    fakeApi({
      "GET /products": ok(
        [
          { id: "a", name: "Pictured", price: 1, category: "Books", stock: 1, images: [image("i1"), image("i2")] },
          { id: "b", name: "Plain", price: 2, category: "Books", stock: 1, images: [] },
        ],
        { nextCursor: null },
      ),
    });
    render(<Catalogue category="" />);
    const cards = await screen.findAllByRole("listitem");
    const picture = cards[0].querySelector(".thumb img")!;
    expect(picture.getAttribute("src")).toBe("https://media.test/i1-thumb.webp");
    expect(picture.getAttribute("loading")).toBe("lazy");
    expect([picture.getAttribute("width"), picture.getAttribute("height")]).toEqual(["320", "240"]);
    expect(cards[1].querySelector(".thumb img")).toBeNull();
    expect(cards[1].querySelector(".thumb .placeholder")).not.toBeNull();
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
      "PUT /cart/items/p1": fail(400, "Request validation failed", "VALIDATION_ERROR", { quantity: ["Must be at most 1000."] }),
    });
    render(<CartPage />);
    const input = await screen.findByLabelText("Quantity of Green Tea");
    await userEvent.clear(input);
    await userEvent.type(input, "1001{Enter}");
    expect((await screen.findByRole("alert")).textContent).toContain("quantity: Must be at most 1000.");
    await waitFor(() => expect((screen.getByLabelText("Quantity of Green Tea") as HTMLInputElement).value).toBe("2"));
  });

  test("more than in stock: the product by name with the units left, the line set to them", async () => {
    const calls = fakeApi({
      "GET /cart": ok({ items: [CART.items[0]], totalAmount: 8.5, itemCount: 2 }),
      "GET /products/p1": ok({ id: "p1", name: "Green Tea", price: 4.25, category: "Tea", stock: 3 }),
      "PUT /cart/items/p1": (init) =>
        JSON.parse(init.body as string).quantity > 3
          ? fail(409, "Not enough stock", "OUT_OF_STOCK", { quantity: ["Only 3 of p1 left in stock."] })
          : ok({ items: [{ ...CART.items[0], quantity: 3, lineTotal: 12.75 }], totalAmount: 12.75, itemCount: 3 }),
    });
    render(<CartPage />);
    const input = await screen.findByLabelText("Quantity of Green Tea");
    await userEvent.clear(input);
    await userEvent.type(input, "999{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Only 3 of Green Tea left in stock: your cart now holds 3.");
    await waitFor(() => expect((screen.getByLabelText("Quantity of Green Tea") as HTMLInputElement).value).toBe("3"));
    expect(screen.getByText(/items, total/).textContent).toBe("3 items, total $12.75");
    expect(calls.filter((c) => c.method === "PUT").map((c) => JSON.parse(c.init.body as string).quantity)).toEqual([999, 3]);
  });

  test("none left: said by name, and the box shows the cart's quantity again", async () => {
    fakeApi({
      "GET /cart": ok({ items: [CART.items[0]], totalAmount: 8.5, itemCount: 2 }),
      "GET /products/p1": ok({ id: "p1", name: "Green Tea", price: 4.25, category: "Tea", stock: 0 }),
      "PUT /cart/items/p1": fail(409, "Not enough stock", "OUT_OF_STOCK"),
    });
    render(<CartPage />);
    const input = await screen.findByLabelText("Quantity of Green Tea");
    await userEvent.clear(input);
    await userEvent.type(input, "999{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Green Tea is out of stock.");
    await waitFor(() => expect((screen.getByLabelText("Quantity of Green Tea") as HTMLInputElement).value).toBe("2"));
    expect(screen.getByText(/items, total/).textContent).toBe("2 items, total $8.50");
  });
});

describe("the product page", () => {
  test("adding more than in stock names the product with the units left and sets the box to what fits", async () => {
    const product = { id: "p1", name: "Green Tea", price: 4.25, category: "Tea", stock: 3, images: [], createdAt: "", updatedAt: "" };
    const calls = fakeApi({
      "GET /products/p1": ok(product),
      "GET /cart": ok({ items: [{ ...CART.items[0], quantity: 2 }], totalAmount: 8.5, itemCount: 2 }),
      "PUT /cart/items/p1": fail(409, "Not enough stock", "OUT_OF_STOCK", { quantity: ["Only 3 of p1 left in stock."] }),
    });
    render(<ProductPage productId="p1" />);
    const box = (await screen.findByLabelText("Quantity")) as HTMLInputElement;
    await userEvent.clear(box);
    await userEvent.type(box, "5");
    await userEvent.click(screen.getByRole("button", { name: "Add to cart" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Only 3 of Green Tea left in stock (2 already in your cart).");
    expect(box.value).toBe("1");
    expect(JSON.parse(calls.find((c) => c.method === "PUT")!.init.body as string)).toEqual({ quantity: 7 });
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

describe("the admin's product form", () => {
  const PRODUCT = { id: "p9", name: "Can", price: 12.5, category: "Garden", stock: 7, images: [], createdAt: "", updatedAt: "" };

  test("a price with a decimal comma or dot is the same number; nonsense is never sent", async () => {
    expect([parsePrice("39,90"), parsePrice("39.90"), parsePrice(" 39 "), parsePrice("1 234,5")]).toEqual([39.9, 39.9, 39, 1234.5]);
    expect([parsePrice(""), parsePrice("12.345"), parsePrice("1,2,3"), parsePrice("-4"), parsePrice("4e2"), parsePrice("abc")]).toEqual([null, null, null, null, null, null]);
    const calls = fakeApi({ "GET /products/p9": ok(PRODUCT), "PUT /products/p9": (init) => ok({ ...PRODUCT, ...JSON.parse(init.body as string) }) });
    render(<ProductForm productId="p9" />);
    const price = await screen.findByLabelText("Price");
    await userEvent.clear(price);
    await userEvent.type(price, "12,3x");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect((await screen.findByRole("alert")).textContent).toContain("price: Enter a price such as 39.90 or 39,90.");
    expect(calls.filter((c) => c.method === "PUT")).toHaveLength(0);
    await userEvent.clear(price);
    await userEvent.type(price, "39,90");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await screen.findByText("Saved.");
    expect(JSON.parse(calls.find((c) => c.method === "PUT")!.init.body as string)).toEqual({ price: 39.9 });
  });

  test("the created and saved notices go at the next action", async () => {
    window.history.replaceState(null, "", "/admin/products/p9?created=1");
    fakeApi({ "GET /products/p9": ok(PRODUCT), "PUT /products/p9": (init) => ok({ ...PRODUCT, ...JSON.parse(init.body as string) }) });
    render(<ProductForm productId="p9" />);
    await screen.findByText(/Product created/);
    await userEvent.type(screen.getByLabelText("Name"), "s");
    expect(screen.queryByText(/Product created/)).toBeNull();
    expect(window.location.search).toBe(""); // nor again on reload
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await screen.findByText("Saved.");
    await userEvent.type(screen.getByLabelText("Stock"), "1");
    expect(screen.queryByText("Saved.")).toBeNull();
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
