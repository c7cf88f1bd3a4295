import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { api, ApiError, money } from "./api";
import { apiUrl } from "./config";
import { getSession, reloadSession, signIn, signOut } from "./session";
import { fail, fakeApi, ok } from "./test-utils";

const SESSION = { token: "tok-123", user: { userId: "u1", email: "a@example.com", name: "Ann", role: "customer" as const } };

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  signOut();
});
afterEach(() => signOut());

describe("the API client", () => {
  test("sends the bearer token and unwraps the envelope", async () => {
    const calls = fakeApi({ "GET /orders/o1": ok({ id: "o1", status: "pending" }) });
    signIn(SESSION);
    const order = await api.order("o1");
    expect(order).toEqual({ id: "o1", status: "pending" });
    expect(calls[0].url.origin + calls[0].url.pathname).toBe(`${apiUrl()}/orders/o1`);
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok-123");
  });

  test("an error carries the API's message, code and details", async () => {
    fakeApi({ "POST /auth/register": fail(400, "Request validation failed", "VALIDATION_ERROR", { password: ["Too short."] }) });
    const error = await api.register({ email: "a@example.com", password: "x", name: "Ann" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ message: "Request validation failed", status: 400, code: "VALIDATION_ERROR", details: { password: ["Too short."] } });
  });

  test("a 401 ends the session", async () => {
    fakeApi({ "GET /cart": fail(401, "Token expired", "UNAUTHORIZED") });
    signIn(SESSION);
    await expect(api.cart()).rejects.toMatchObject({ status: 401, message: "Token expired" });
    expect(getSession()).toBeNull();
    expect(sessionStorage.getItem("shop.session")).toBeNull();
  });

  test("a 403 does not end the session", async () => {
    fakeApi({ "POST /products": fail(403, "Admins only", "FORBIDDEN") });
    signIn(SESSION);
    await expect(api.createProduct({ name: "x" })).rejects.toMatchObject({ status: 403 });
    expect(getSession()).toEqual(SESSION);
  });

  test("a network failure is an ApiError with a readable message", async () => {
    fakeApi({});
    const { vi } = await import("vitest");
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(api.products({})).rejects.toMatchObject({ status: 0, code: "NETWORK_ERROR" });
  });

  test("pages pass the cursor and category and return the next cursor", async () => {
    const calls = fakeApi({ "GET /products": ok([{ id: "p1" }], { nextCursor: "c2", limit: 12 }) });
    const page = await api.products({ category: "Books & more", cursor: "c1", limit: 12 });
    expect(page).toEqual({ items: [{ id: "p1" }], nextCursor: "c2" });
    expect(Object.fromEntries(calls[0].url.searchParams)).toEqual({ category: "Books & more", cursor: "c1", limit: "12" });
  });

  test("checkout and payment send the attempt's Idempotency-Key and a JSON body", async () => {
    const calls = fakeApi({ "POST /checkout": ok({ id: "o9" }), "POST /orders/o9/payment": ok({ id: "o9", status: "paid" }) });
    signIn(SESSION);
    const address = { street: "s", city: "c", state: "st", zipCode: "z", country: "US" };
    await api.checkout({ shippingAddress: address, expectedTotal: 12.75 }, "key-1");
    await api.pay("o9", "pm_card_visa", "key-2");
    const [checkout, pay] = calls;
    expect((checkout.init.headers as Record<string, string>)["Idempotency-Key"]).toBe("key-1");
    expect((checkout.init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    expect(JSON.parse(checkout.init.body as string)).toEqual({ shippingAddress: address, expectedTotal: 12.75 });
    expect((pay.init.headers as Record<string, string>)["Idempotency-Key"]).toBe("key-2");
    expect(JSON.parse(pay.init.body as string)).toEqual({ paymentMethod: "pm_card_visa" });
  });
});

describe("the session", () => {
  test("lives in sessionStorage, never in localStorage, and survives a reload", () => {
    signIn(SESSION);
    expect(JSON.parse(sessionStorage.getItem("shop.session")!)).toEqual(SESSION);
    expect(localStorage.length).toBe(0);
    reloadSession();
    expect(getSession()).toEqual(SESSION);
  });

  test("garbage in sessionStorage is no session", () => {
    sessionStorage.setItem("shop.session", "{not json");
    reloadSession();
    expect(getSession()).toBeNull();
  });
});

describe("money", () => {
  test.each([
    [19.99, "$19.99"],
    [0.1 + 0.2, "$0.30"],
    [1234567.5, "$1,234,567.50"],
    [0, "$0.00"],
    [5, "$5.00"],
  ])("%s shows as %s", (amount, shown) => {
    expect(money(amount)).toBe(shown);
  });

  test("another currency is named", () => {
    expect(money(3.5, "eur")).toBe("EUR 3.50");
  });
});
