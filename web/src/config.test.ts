import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "./api";
import { apiUrl, loadConfig, setConfig } from "./config";
import { ok } from "./test-utils";

afterEach(() => setConfig({ apiUrl: "http://api.test" }));

function serve(status: number, body: string) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    void init;
    if (String(input) === "/config.json") return new Response(body, { status, headers: { "Content-Type": "application/json" } });
    const url = new URL(String(input));
    return new Response(JSON.stringify(ok([], { nextCursor: null }).body), { status: url.pathname === "/products" ? 200 : 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

describe("the runtime configuration", () => {
  test("config.json names the API every request then goes to, uncached", async () => {
    const fetchMock = serve(200, JSON.stringify({ apiUrl: "http://127.0.0.1:8080/" }));
    await loadConfig("/");
    expect(apiUrl()).toBe("http://127.0.0.1:8080");
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ cache: "no-store" });
    await api.products({ limit: 2 });
    expect(String(fetchMock.mock.calls[1][0])).toBe("http://127.0.0.1:8080/products?limit=2");
  });

  test("a missing config.json says so (the SPA fallback's index.html is not JSON)", async () => {
    serve(200, "<!doctype html><title>Shop</title>");
    await expect(loadConfig("/")).rejects.toThrow("/config.json could not be read");
    serve(404, "");
    await expect(loadConfig("/")).rejects.toThrow("/config.json answered HTTP 404.");
  });

  test("an apiUrl that is not an http(s) address is refused", async () => {
    for (const apiUrlValue of [undefined, 42, "javascript:alert(1)", "not a url"]) {
      serve(200, JSON.stringify({ apiUrl: apiUrlValue }));
      await expect(loadConfig("/")).rejects.toThrow('/config.json has no valid "apiUrl"');
    }
    expect(apiUrl()).toBe("http://api.test");
  });
});
