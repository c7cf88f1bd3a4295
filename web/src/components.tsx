import { useEffect, useRef, type ReactNode } from "react";
import { hasNavigated } from "./router";
import { ApiError, money, type LineStatus, type OrderStatus } from "./api";

/** An API error as the user should read it: its message (as text, never markup), and the
 * field messages of a VALIDATION_ERROR. */
export function ErrorMessage({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const fields = error.code === "VALIDATION_ERROR" && error.details ? Object.entries(error.details) : [];
  return (
    <div className="error" role="alert">
      <p>{error.message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([field, messages]) => (
            <li key={field}>
              <strong>{field}</strong>: {Array.isArray(messages) ? messages.join(" ") : String(messages)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="notice" role="status">
      {children}
    </div>
  );
}

/** The page's one h1; it takes focus when the page opens so that a keyboard or screen-reader
 * user starts reading at the new content. */
export function PageHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (hasNavigated()) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

export function Money({ amount, currency }: { amount: number; currency?: string }) {
  return <span className="money">{money(amount, currency)}</span>;
}

const LINE_STATUS: Record<LineStatus, string> = {
  ok: "In stock",
  insufficient_stock: "Not enough stock",
  unavailable: "No longer available",
};

export function LineStatusBadge({ status, availableStock }: { status: LineStatus; availableStock?: number }) {
  const short = status === "insufficient_stock" && availableStock !== undefined;
  const text = short ? (availableStock > 0 ? `Only ${availableStock} left` : "Out of stock") : LINE_STATUS[status];
  return <span className={`badge badge-${status}`}>{text}</span>;
}

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function dateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}
