import { useState, type FormEvent, type ReactNode } from "react";
import { api, type ApiError, type Order, type OrderReturn } from "./api";
import { dateTime, ErrorMessage, Money, Notice } from "./components";
import { asApiError } from "./hooks";

// Returns of a delivered order (API.md, "Returns"): the customer asks, the shop receives (the
// amount is refunded, the units restocked if the admin says so) or rejects.

const STATES: Record<string, string> = {
  requested: "asked for: send the items back",
  received: "received and refunded",
  rejected: "rejected",
};

/** Units of each line that may still be returned: bought, less those in returns not rejected. */
export function returnable(order: Order): Record<string, number> {
  const left: Record<string, number> = Object.fromEntries(order.items.map((line) => [line.productId, line.quantity]));
  for (const made of order.returns ?? []) {
    if (made.status === "rejected") continue;
    for (const line of made.items) left[line.productId] = Math.max(0, (left[line.productId] ?? 0) - line.quantity);
  }
  return left;
}

function linesOf(order: Order, made: OrderReturn): string {
  const names = Object.fromEntries(order.items.map((line) => [line.productId, line.name]));
  return made.items.map((line) => `${line.quantity} × ${names[line.productId] ?? line.productId}`).join(", ");
}

/** Every return of the order, as its customer and the shop read it. */
export function ReturnList({ order, admin }: { order: Order; admin?: (made: OrderReturn) => ReactNode }) {
  const made = order.returns ?? [];
  if (made.length === 0) return null;
  const currency = order.payment?.currency;
  return (
    <>
      <h2>Returns</h2>
      <ul className="returns">
        {made.map((one) => (
          <li key={one.id} data-return-status={one.status}>
            {linesOf(order, one)}, <Money amount={one.amount} currency={currency} />: {STATES[one.status] ?? one.status}
            {one.status === "rejected" && one.rejectionReason && <> ({one.rejectionReason})</>}, asked{" "}
            <time dateTime={one.createdAt}>{dateTime(one.createdAt)}</time> because: “{one.reason}”
            {admin?.(one)}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The customer's form on a delivered order: how many of each line, and why. */
export function ReturnRequestForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const left = returnable(order);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  if (order.status !== "delivered" || Object.values(left).every((n) => n === 0)) return null;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const items = order.items
      .map((line) => ({ productId: line.productId, quantity: Number(form.get(`qty-${line.productId}`) || 0) }))
      .filter((line) => line.quantity > 0);
    const reason = String(form.get("reason") ?? "").trim();
    if (items.length === 0) return setProblem("Choose at least one item to return.");
    if (!reason) return setProblem("Say why you return them.");
    setProblem(null);
    setError(null);
    setBusy(true);
    try {
      await api.requestReturn(order.id, { items, reason });
      setSent(true);
      setOpen(false);
      onDone();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <>
        {sent && <Notice>Your return is asked for. Send the items back; the refund follows when the shop receives them.</Notice>}
        <button type="button" className="secondary" onClick={() => setOpen(true)}>
          Return items
        </button>
      </>
    );
  }
  return (
    <form className="return-request" onSubmit={submit} aria-labelledby="return-heading" noValidate>
      <h2 id="return-heading">Return items</h2>
      {order.items
        .filter((line) => (left[line.productId] ?? 0) > 0)
        .map((line) => (
          <label key={line.productId}>
            {line.name} (up to {left[line.productId]})
            <input name={`qty-${line.productId}`} type="number" min={0} max={left[line.productId]} defaultValue={0} inputMode="numeric" />
          </label>
        ))}
      <label>
        Why
        <input name="reason" required maxLength={200} autoComplete="off" />
      </label>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        Ask for the return
      </button>{" "}
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        Not now
      </button>
    </form>
  );
}

/** The shop's decision on a requested return: receive it (refunds its amount; restock or not), or reject it. */
export function ReturnDecision({ order, made, onDecided }: { order: Order; made: OrderReturn; onDecided: (message: string) => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [rejecting, setRejecting] = useState(false);
  if (made.status !== "requested") return null;
  const short = order.id.slice(0, 8);
  const amount = <Money amount={made.amount} currency={order.payment?.currency} />;
  const act = async (run: () => Promise<OrderReturn>, done: string) => {
    setError(null);
    try {
      await run();
      onDecided(done);
    } catch (failure) {
      setError(asApiError(failure));
    }
  };
  const receive = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const restock = new FormData(event.currentTarget).get("restock") === "on";
    const what = `Receive the return of order ${short}? Its amount is refunded to the customer${restock ? " and its units go back in stock" : ""}. This cannot be undone.`;
    if (!window.confirm(what)) return;
    void act(() => api.receiveReturn(order.id, made.id, restock), `The return of order ${order.id} is received and refunded.`);
  };
  const reject = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
    if (!reason || !window.confirm(`Reject the return of order ${short}? Nothing is refunded. This cannot be undone.`)) return;
    void act(() => api.rejectReturn(order.id, made.id, reason), `The return of order ${order.id} is rejected.`);
  };
  return (
    <div className="return-decision">
      <form onSubmit={receive} aria-label={`Receive the return of order ${short}`}>
        <label className="choice">
          <input type="checkbox" name="restock" defaultChecked /> Put the units back in stock
        </label>
        <button type="submit">Receive and refund {amount}</button>
      </form>
      {rejecting ? (
        <form onSubmit={reject} aria-label={`Reject the return of order ${short}`}>
          <label>
            Why it is rejected
            <input name="reason" required maxLength={200} autoComplete="off" />
          </label>
          <button type="submit" className="secondary">
            Reject the return
          </button>
        </form>
      ) : (
        <button type="button" className="secondary" onClick={() => setRejecting(true)}>
          Reject…
        </button>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
