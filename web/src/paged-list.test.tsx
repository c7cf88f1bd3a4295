import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import AdminOrders from "./admin/AdminOrders";
import { Catalogue } from "./pages/Catalogue";
import { signIn, signOut } from "./session";

beforeEach(() => {
  sessionStorage.clear();
  signIn({ token: "t", user: { userId: "a1", email: "admin@example.com", name: "Ada", role: "admin" } });
  window.history.replaceState(null, "", "/");
});
afterEach(() => {
  cleanup();
  signOut();
});

interface Pending {
  url: URL;
  signal: AbortSignal | undefined;
  answer: (data: unknown[], nextCursor?: string | null) => void;
}

/** A fetch whose answers the test gives, in the order it chooses. */
function heldApi() {
  const pending: Pending[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(
      (input: RequestInfo | URL, init: RequestInit = {}) =>
        new Promise<Response>((resolve, reject) => {
          const signal = init.signal ?? undefined;
          signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
          pending.push({
            url: new URL(String(input)),
            signal,
            answer: (data, nextCursor = null) =>
              resolve(new Response(JSON.stringify({ success: true, data, pagination: { nextCursor } }), { status: 200 })),
          });
        }),
    ),
  );
  return pending;
}

const order = (id: string, status: string, name: string) => ({
  id,
  userId: "u1",
  status,
  items: [{ productId: "p1", name, price: 1, quantity: 1, lineTotal: 1 }],
  totalAmount: 1,
  shippingAddress: { street: "s", city: "c", state: "st", zipCode: "z", country: "US" },
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-01T10:00:00Z",
});
const product = (id: string, category: string) => ({ id, name: `${category} ${id}`, price: 1, category, stock: 1, createdAt: "", updatedAt: "" });

describe("a paged list never shows a stale answer", () => {
  test("admin orders: the paid tab's late answer does not land under the shipped tab", async () => {
    const pending = heldApi();
    const { rerender } = render(<AdminOrders status="paid" />);
    await waitFor(() => expect(pending).toHaveLength(1));
    expect(pending[0].url.searchParams.get("status")).toBe("paid");

    rerender(<AdminOrders status="shipped" />); // the tab switch, while paid is still loading
    await waitFor(() => expect(pending).toHaveLength(2));
    expect(pending[0].signal?.aborted).toBe(true); // the old request is cancelled
    pending[1].answer([order("o-shipped", "shipped", "Shipped Tea")]);
    pending[0].answer([order("o-paid", "paid", "Paid Tea")]); // and even if it still answers…
    await screen.findByText(/Shipped Tea/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByText(/Paid Tea/)).toBeNull(); // …it is dropped
    expect(screen.getByRole("list", { name: /Orders in status shipped/ }).querySelectorAll("[data-order-id]")).toHaveLength(1);
    expect(screen.queryByRole("button", { name: /Mark shipped/ })).toBeNull();
  });

  test("catalogue: load more of the old category is not appended to the new one", async () => {
    const held = heldApi();
    // The catalogue also asks GET /categories once (the filter's counts): only the product pages here.
    const pages = () => held.filter((request) => request.url.pathname.endsWith("/products"));
    const page = (n: number) => pages()[n];
    const user = userEvent.setup();
    const { rerender } = render(<Catalogue category="Books" />);
    await waitFor(() => expect(pages()).toHaveLength(1));
    page(0).answer([product("b1", "Books")], "cursor-books");
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    await waitFor(() => expect(pages()).toHaveLength(2));
    expect(page(1).url.searchParams.get("cursor")).toBe("cursor-books");

    rerender(<Catalogue category="Kitchen" />); // another category while load-more is in flight
    await waitFor(() => expect(pages()).toHaveLength(3));
    expect(page(1).signal?.aborted).toBe(true);
    expect(page(2).url.searchParams.get("category")).toBe("Kitchen");
    page(2).answer([product("k1", "Kitchen")]);
    page(1).answer([product("b2", "Books")]);
    const list = await screen.findByRole("list", { name: "Products" });
    await within(list).findByText("Kitchen k1");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(within(list).getAllByRole("listitem").map((item) => item.querySelector("h2")?.textContent)).toEqual(["Kitchen k1"]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  test("an aborted request is not shown as an error", async () => {
    const pending = heldApi();
    const { rerender } = render(<AdminOrders status="paid" />);
    await waitFor(() => expect(pending).toHaveLength(1));
    rerender(<AdminOrders status="pending" />);
    await waitFor(() => expect(pending).toHaveLength(2));
    pending[1].answer([]);
    await screen.findByText("No pending orders.");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
