import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { Catalogue } from "./pages/Catalogue";
import { SearchBox, SearchPage, SUGGEST_DELAY_MS } from "./pages/Search";
import { navigate } from "./router";
import { fakeApi, ok } from "./test-utils";

const LAMP = { id: "l1", name: "Desk lamp", price: 12.5, category: "Home", stock: 3, createdAt: "", updatedAt: "" };
const SHADE = { id: "s1", name: "Lamp shade", price: 5, category: "Home", stock: 0, createdAt: "", updatedAt: "" };
const FACETS = {
  categories: [
    { value: "Home", count: 2 },
    { value: "Books", count: 1 },
  ],
  priceRanges: [
    { min: 0, max: 10, count: 1 },
    { min: 500, max: null, count: 2 },
  ],
};
const searchReply = (items: unknown[], nextCursor: string | null, total = 3) => ({
  body: { success: true, data: items, facets: FACETS, total, pagination: { nextCursor, limit: 12 } },
});

beforeEach(() => window.history.replaceState(null, "", "/"));
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("the search box", () => {
  test("asks once the typing pauses, and cancels a request made stale by more typing", async () => {
    vi.useFakeTimers();
    const signals: AbortSignal[] = [];
    const calls = fakeApi({
      "GET /search": (init) => {
        signals.push(init.signal as AbortSignal);
        return searchReply([LAMP], null, 1);
      },
    });
    render(<SearchBox />);
    const box = screen.getByRole("searchbox", { name: "Search products" });
    fireEvent.change(box, { target: { value: "l" } });
    fireEvent.change(box, { target: { value: "la" } });
    fireEvent.change(box, { target: { value: "lam" } });
    expect(calls).toHaveLength(0); // nothing while typing
    await act(async () => vi.advanceTimersByTime(SUGGEST_DELAY_MS));
    expect(calls.map((c) => c.url.searchParams.get("q"))).toEqual(["lam"]);

    fireEvent.change(box, { target: { value: "lamp" } }); // the answer to "lam" is now stale
    expect(signals[0].aborted).toBe(true);
    await act(async () => vi.advanceTimersByTime(SUGGEST_DELAY_MS));
    expect(calls.map((c) => c.url.searchParams.get("q"))).toEqual(["lam", "lamp"]);
    expect(calls[1].url.searchParams.get("limit")).toBe("5");
    vi.useRealTimers();
    const suggestions = await screen.findByRole("list", { name: "Suggestions" });
    expect(within(suggestions).getByRole("link", { name: "Desk lamp" }).getAttribute("href")).toBe("/products/l1");
  });

  test("submitting opens the results page for the words typed", async () => {
    fakeApi({ "GET /search": searchReply([], null, 0) });
    render(<SearchBox />);
    await userEvent.type(screen.getByRole("searchbox", { name: "Search products" }), "desk lmap{Enter}");
    expect(window.location.pathname + window.location.search).toBe("/search?q=desk%20lmap");
  });
  test("a submit before the pause ends closes the suggestions for good: none open over the results page", async () => {
    vi.useFakeTimers();
    const calls = fakeApi({ "GET /search": searchReply([LAMP], null, 1) });
    render(<SearchBox />);
    const box = screen.getByRole("searchbox", { name: "Search products" });
    fireEvent.change(box, { target: { value: "lmap" } });
    fireEvent.submit(box.closest("form")!);
    expect(window.location.pathname + window.location.search).toBe("/search?q=lmap");
    await act(async () => vi.advanceTimersByTime(SUGGEST_DELAY_MS * 4));
    expect(calls).toHaveLength(0); // the pending suggestion was dropped, not sent
    expect(screen.queryByRole("list", { name: "Suggestions" })).toBeNull();
  });

  test("moving to another page closes the suggestions", async () => {
    fakeApi({ "GET /search": searchReply([LAMP], null, 1) });
    render(<SearchBox />);
    await userEvent.type(screen.getByRole("searchbox", { name: "Search products" }), "lamp");
    await screen.findByRole("list", { name: "Suggestions" });
    act(() => navigate("/orders"));
    expect(screen.queryByRole("list", { name: "Suggestions" })).toBeNull();
  });
});

describe("the results page", () => {
  test("each result shows its picture's thumbnail in the fixed box", async () => {
    const pictured = { ...LAMP, images: [{ id: "i1", width: 800, height: 600, urls: { thumb: "https://media.example/l1/thumb.webp", large: "https://media.example/l1/large.webp" } }] };
    fakeApi({ "GET /search": searchReply([pictured, SHADE], null, 2) });
    const { container } = render(<SearchPage params={new URLSearchParams("q=lamp")} />);
    await screen.findByRole("link", { name: "Desk lamp" });
    const thumbs = container.querySelectorAll(".card .thumb");
    expect(thumbs).toHaveLength(2);
    expect(thumbs[0].querySelector("img")?.getAttribute("src")).toBe("https://media.example/l1/thumb.webp");
    expect(thumbs[0].querySelector("img")?.getAttribute("loading")).toBe("lazy");
    expect(thumbs[1].querySelector(".placeholder")).not.toBeNull(); // no picture: the box keeps its place
  });

  test("shows the total, facets with counts for the whole result, and loads more on the cursor", async () => {
    const calls = fakeApi({
      "GET /search": (_init, url) =>
        url.searchParams.get("cursor") === "c2" ? searchReply([SHADE], null) : searchReply([LAMP], "c2"),
    });
    render(<SearchPage params={new URLSearchParams("q=lamp&sort=price_asc")} />);
    await screen.findByRole("link", { name: "Desk lamp" });
    expect(screen.getByText("3 products")).toBeTruthy();
    const refine = screen.getByRole("navigation", { name: "Refine" });
    expect(within(refine).getByRole("link", { name: "Home (2)" }).getAttribute("href")).toBe("/search?q=lamp&sort=price_asc&category=Home");
    expect(within(refine).getByRole("link", { name: "$500.00 and up (2)" }).getAttribute("href")).toBe(
      "/search?q=lamp&sort=price_asc&minPrice=500",
    );
    expect(within(refine).getByRole("link", { name: "$0.00 to $10.00 (1)" }).getAttribute("href")).toContain("maxPrice=9.99");

    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByRole("link", { name: "Lamp shade" });
    expect(screen.getByRole("link", { name: "Desk lamp" })).toBeTruthy(); // the first page stays
    expect(calls.map((c) => [c.url.searchParams.get("q"), c.url.searchParams.get("sort"), c.url.searchParams.get("cursor")])).toEqual([
      ["lamp", "price_asc", null],
      ["lamp", "price_asc", "c2"],
    ]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  test("sort and in-stock apply on submit, keeping the words", async () => {
    fakeApi({ "GET /search": searchReply([LAMP], null, 1) });
    render(<SearchPage params={new URLSearchParams("q=lamp")} />);
    await screen.findByRole("link", { name: "Desk lamp" });
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Sort" }), "newest");
    await userEvent.click(screen.getByRole("checkbox", { name: "In stock only" }));
    expect(window.location.pathname).toBe("/"); // nothing happens on input
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(window.location.search).toBe("?q=lamp&sort=newest&inStock=true");
  });
});

describe("the catalogue's category filter", () => {
  test("lists every category from GET /categories with its count, not only those on screen", async () => {
    fakeApi({
      "GET /products": ok([LAMP], { nextCursor: null, limit: 12 }),
      "GET /categories": ok([
        { value: "Books", count: 4 },
        { value: "Home", count: 2 },
      ]),
    });
    render(<Catalogue category="" />);
    await screen.findByRole("option", { name: "Books (4)" });
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["All categories", "Books (4)", "Home (2)"]);
  });
});
