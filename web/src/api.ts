import { apiUrl } from "./config";
import { getSession, signOut, type Session } from "./session";

/** An error response of the API (or a failure to reach it), with the message to show. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Product {
  id: string;
  name: string;
  description?: string;
  price: number;
  category: string;
  stock: number;
  imageUrl?: string;
  images?: ProductImage[];
  createdAt: string;
  updatedAt: string;
}

export interface ProductImage {
  id: string;
  urls: { thumb: string; large: string };
  width: number;
  height: number;
}

export type LineStatus = "ok" | "insufficient_stock" | "unavailable";

export interface CartLine {
  productId: string;
  name: string;
  price: number;
  quantity: number;
  lineTotal: number;
  status: LineStatus;
  availableStock?: number;
}

export interface Cart {
  items: CartLine[];
  totalAmount: number;
  itemCount: number;
  updatedAt?: string;
}

export interface Address {
  street: string;
  city: string;
  state: string;
  zipCode: string;
  country: string;
}

export type OrderStatus = "pending" | "paid" | "shipped" | "delivered" | "cancelled" | "expired";

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  items: { productId: string; name: string; price: number; quantity: number; lineTotal: number }[];
  totalAmount: number;
  shippingAddress: Address;
  statusHistory?: { status: OrderStatus; at: string; by?: string }[];
  payment?: {
    status: string;
    amount?: number;
    currency?: string;
    provider?: string;
    reference?: string;
    paidAt?: string;
    refundedAmount?: number;
    /** 3-D Secure: where the customer's bank asks them to confirm (API.md, "Payment, stricter"). */
    nextAction?: { type: string; url: string };
    /** The last attempt's decline, while the order can still be paid. */
    lastDecline?: { reason: string; at?: string };
  };
  /** What was given back, oldest first (API.md, "Refunds"). */
  refunds?: Refund[];
  /** Returns of a delivered order (API.md, "Returns"). */
  returns?: OrderReturn[];
  /** Set when an admin ships it with tracking (API.md, "Shipping details"). */
  tracking?: Tracking;
  /** Who placed it, as the account was then; both null on orders placed before it was kept. */
  customer?: { email: string | null; name: string | null };
  createdAt: string;
  updatedAt: string;
}

export interface Refund {
  id: string;
  amount: number;
  status: "succeeded" | "pending" | "failed";
  reason: string;
  createdAt: string;
}

export interface OrderReturn {
  id: string;
  items: { productId: string; quantity: number; price: number }[];
  amount: number;
  reason: string;
  status: "requested" | "received" | "rejected";
  createdAt: string;
  decidedAt?: string;
  restocked?: boolean;
  rejectionReason?: string;
}

export interface Account {
  id: string;
  email: string;
  name: string;
  role: "customer" | "admin";
  createdAt: string;
}

export interface Tracking {
  carrier: string;
  number: string;
  url?: string;
}

export interface ImageUpload {
  imageId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | null | undefined>;
  /** Aborts the request (a list that moved on, a search typed further); the promise then
   * rejects with the fetch's AbortError. */
  signal?: AbortSignal;
}

async function call<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<{ data: T; nextCursor: string | null; envelope: Record<string, unknown> }> {
  const url = new URL(apiUrl() + path);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const session: Session | null = getSession();
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (failure) {
    if (options.signal?.aborted) throw failure; // asked for: nobody waits for this answer
    throw new ApiError("The shop cannot be reached right now. Check your connection and try again.", 0, "NETWORK_ERROR");
  }
  let payload: {
    success?: boolean;
    data?: T;
    error?: string;
    code?: string;
    details?: Record<string, unknown>;
    pagination?: { nextCursor: string | null };
  } | null = null;
  if (response.status !== 204) {
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
  }
  if (!response.ok || !payload || payload.success === false) {
    // A token the API no longer accepts ends the session; the message still shows.
    if (response.status === 401 && session) signOut();
    throw new ApiError(
      payload?.error || `The request failed (HTTP ${response.status}).`,
      response.status,
      payload?.code || "HTTP_ERROR",
      payload?.details,
    );
  }
  return { data: payload.data as T, nextCursor: payload.pagination?.nextCursor ?? null, envelope: payload };
}

async function one<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
  return (await call<T>(method, path, options)).data;
}

async function page<T>(path: string, query: RequestOptions["query"], signal?: AbortSignal): Promise<Page<T>> {
  const { data, nextCursor } = await call<T[]>("GET", path, { query, signal });
  return { items: data, nextCursor };
}

const id = encodeURIComponent;

export type SearchSort = "relevance" | "price_asc" | "price_desc" | "newest";

export interface SearchQuery {
  q?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  sort?: SearchSort;
  limit?: number;
  cursor?: string | null;
}

export interface CategoryCount {
  value: string;
  count: number;
}

export interface PriceRange {
  min: number;
  max: number | null;
  count: number;
}

export interface SearchPage extends Page<Product> {
  total: number;
  facets: { categories: CategoryCount[]; priceRanges: PriceRange[] };
}

async function search(query: SearchQuery, signal?: AbortSignal): Promise<SearchPage> {
  const { inStock, ...rest } = query;
  const { data, nextCursor, envelope } = await call<Product[]>("GET", "/search", {
    query: { ...rest, inStock: inStock ? "true" : undefined },
    signal,
  });
  return { items: data, nextCursor, total: envelope.total as number, facets: envelope.facets as SearchPage["facets"] };
}

export const api = {
  register: (body: { email: string; password: string; name: string }) => one<Session>("POST", "/auth/register", { body }),
  login: (body: { email: string; password: string }) => one<Session>("POST", "/auth/login", { body }),
  me: () => one<Account>("GET", "/me"),
  rename: (name: string) => one<Account>("PUT", "/me", { body: { name } }),
  changePassword: (body: { currentPassword: string; newPassword: string }) => one<Session>("PUT", "/me/password", { body }),
  requestPasswordReset: (email: string) => one<{ accepted: boolean }>("POST", "/auth/password-reset", { body: { email } }),
  resetPassword: (body: { token: string; password: string }) =>
    one<{ passwordReset: boolean }>("POST", "/auth/password-reset/confirm", { body }),

  products: (query: { category?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    page<Product>("/products", query, signal),
  search,
  categories: () => one<CategoryCount[]>("GET", "/categories"),
  product: (productId: string) => one<Product>("GET", `/products/${id(productId)}`),
  createProduct: (body: Partial<Product>) => one<Product>("POST", "/products", { body }),
  updateProduct: (productId: string, body: Partial<Product>) => one<Product>("PUT", `/products/${id(productId)}`, { body }),
  deleteProduct: (productId: string) => one<{ id: string; deleted: boolean }>("DELETE", `/products/${id(productId)}`),
  createImage: (productId: string, body: { contentType: string; contentLength: number }) =>
    one<ImageUpload>("POST", `/products/${id(productId)}/images`, { body }),
  image: (productId: string, imageId: string) =>
    one<{ id: string; status: "processing" | "ready" | "rejected"; reason?: string }>("GET", `/products/${id(productId)}/images/${id(imageId)}`),
  deleteImage: (productId: string, imageId: string) => one<{ id: string }>("DELETE", `/products/${id(productId)}/images/${id(imageId)}`),

  cart: () => one<Cart>("GET", "/cart"),
  setCartLine: (productId: string, quantity: number) => one<Cart>("PUT", `/cart/items/${id(productId)}`, { body: { quantity } }),
  removeCartLine: (productId: string) => one<Cart>("DELETE", `/cart/items/${id(productId)}`),
  checkout: (body: { shippingAddress: Address; expectedTotal: number }, idempotencyKey: string) =>
    one<Order>("POST", "/checkout", { body, headers: { "Idempotency-Key": idempotencyKey } }),
  pay: (orderId: string, paymentMethod: string, idempotencyKey: string) =>
    one<Order>("POST", `/orders/${id(orderId)}/payment`, { body: { paymentMethod }, headers: { "Idempotency-Key": idempotencyKey } }),

  orders: (query: { status?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    page<Order>("/orders", query, signal),
  order: (orderId: string) => one<Order>("GET", `/orders/${id(orderId)}`),
  cancelOrder: (orderId: string) => one<Order>("POST", `/orders/${id(orderId)}/cancel`),
  refund: (orderId: string, body: { amount?: number; reason?: string }, idempotencyKey: string) =>
    one<Refund & { orderId: string }>("POST", `/orders/${id(orderId)}/refunds`, { body, headers: { "Idempotency-Key": idempotencyKey } }),
  requestReturn: (orderId: string, body: { items: { productId: string; quantity: number }[]; reason: string }) =>
    one<OrderReturn>("POST", `/orders/${id(orderId)}/returns`, { body }),
  receiveReturn: (orderId: string, returnId: string, restock: boolean) =>
    one<OrderReturn>("POST", `/orders/${id(orderId)}/returns/${id(returnId)}/receive`, { body: { restock } }),
  rejectReturn: (orderId: string, returnId: string, reason: string) =>
    one<OrderReturn>("POST", `/orders/${id(orderId)}/returns/${id(returnId)}/reject`, { body: { reason } }),
  moveOrder: (orderId: string, status: OrderStatus, tracking?: Tracking) =>
    one<Order>("PUT", `/orders/${id(orderId)}/status`, { body: tracking ? { status, tracking } : { status } }),
};

/** A fresh key per attempt: a retried request with the same key never takes stock or money twice. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

/** Money as the API sends it (a JSON number exact to the cent), shown with two decimals. */
export function money(amount: number, currency = "usd"): string {
  const cents = Math.round(amount * 100);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100).toLocaleString("en-US");
  const symbol = currency.toLowerCase() === "usd" ? "$" : `${currency.toUpperCase()} `;
  return `${sign}${symbol}${whole}.${String(abs % 100).padStart(2, "0")}`;
}
