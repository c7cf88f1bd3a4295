import { vi } from "vitest";

export interface Reply {
  status?: number;
  body?: unknown;
}

/** Replace fetch with answers keyed by "METHOD /path"; every call is recorded. */
export function fakeApi(routes: Record<string, Reply | ((init: RequestInit, url: URL) => Reply)>) {
  const calls: { method: string; url: URL; init: RequestInit }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = (init.method ?? "GET").toUpperCase();
    calls.push({ method, url, init });
    const route = routes[`${method} ${url.pathname}`];
    if (!route) return new Response(JSON.stringify({ success: false, error: "Route not found", code: "NOT_FOUND" }), { status: 404 });
    const reply = typeof route === "function" ? route(init, url) : route;
    return new Response(JSON.stringify(reply.body), { status: reply.status ?? 200, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

export const ok = (data: unknown, pagination?: unknown): Reply => ({ body: { success: true, data, ...(pagination ? { pagination } : {}) } });
export const fail = (status: number, error: string, code: string, details?: unknown): Reply => ({
  status,
  body: { success: false, error, code, ...(details ? { details } : {}) },
});
