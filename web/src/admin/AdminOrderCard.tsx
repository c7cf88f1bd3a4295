import { useState, type ChangeEvent, type FormEvent } from "react";
import type { Order, OrderStatus, Tracking } from "../api";
import { dateTime, Money, StatusBadge } from "../components";
import { AddressLines, PaymentState } from "../orderParts";
import { Link } from "../router";

// The lifecycle's moves an admin makes here (docs/ORDERS.md); paying is the customer's.
export const MOVES: Partial<Record<OrderStatus, OrderStatus[]>> = {
  pending: ["cancelled"],
  paid: ["shipped", "cancelled"],
  shipped: ["delivered"],
};

/** What the operator is asked before a move that cannot be undone. */
export function confirmation(order: Order, to: OrderStatus): string {
  const short = order.id.slice(0, 8);
  if (to === "cancelled") {
    const refund = order.status === "paid" ? " It is paid: the payment is refunded in full." : "";
    return `Cancel order ${short}? Its stock goes back on sale.${refund} This cannot be undone.`;
  }
  return `Mark order ${short} ${to}? This cannot be undone.`;
}

/** One order as an operator works from it: who and where, what, the payment, and its moves
 * (each asks first; "ship" takes the tracking). A card, not a table row: it reads on a phone. */
export function AdminOrderCard({ order, onMove }: { order: Order; onMove: (order: Order, to: OrderStatus, tracking?: Tracking) => void }) {
  const [shipping, setShipping] = useState(false);
  // Either field given makes both needed (the browser says which is missing).
  const [tracked, setTracked] = useState(false);
  const track = (event: ChangeEvent<HTMLInputElement>) => {
    const form = event.currentTarget.form;
    setTracked(Boolean(form && ["carrier", "number", "url"].some((name) => (form.elements.namedItem(name) as HTMLInputElement).value.trim())));
  };
  const headingId = `order-${order.id}`;
  const move = (to: OrderStatus) => {
    if (to === "shipped") setShipping(true);
    else if (window.confirm(confirmation(order, to))) onMove(order, to);
  };
  const ship = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    // Tracking is optional in the contract, but a carrier goes with a number.
    const given = Boolean(text("carrier") || text("number") || text("url"));
    const tracking: Tracking | undefined = given ? { carrier: text("carrier"), number: text("number") } : undefined;
    if (tracking && text("url")) tracking.url = text("url");
    const said = tracking ? `\nTracking: ${tracking.carrier} ${tracking.number}` : "\nNo tracking number given.";
    if (!window.confirm(`${confirmation(order, "shipped")}${said}`)) return;
    onMove(order, "shipped", tracking);
  };
  return (
    <li className="order-card" data-order-id={order.id} aria-labelledby={headingId}>
      <h2 id={headingId}>
        <Link href={`/orders/${encodeURIComponent(order.id)}`}>
          Order <code>{order.id.slice(0, 8)}</code>
        </Link>{" "}
        <StatusBadge status={order.status} />
      </h2>
      <dl className="facts">
        <dt>Placed</dt>
        <dd>{dateTime(order.createdAt)}</dd>
        <dt>Customer</dt>
        <dd>
          account <code>{order.userId}</code>
        </dd>
        <dt>Ship to</dt>
        <dd>
          <AddressLines address={order.shippingAddress} />
        </dd>
        <dt>Payment</dt>
        <dd>
          <PaymentState order={order} />
        </dd>
        <dt>Total</dt>
        <dd>
          <Money amount={order.totalAmount} />
        </dd>
      </dl>
      <ul className="order-lines" aria-label="Lines">
        {order.items.map((line) => (
          <li key={line.productId}>
            {line.quantity} × {line.name} <Money amount={line.lineTotal} />
          </li>
        ))}
      </ul>
      {shipping ? (
        <form className="ship" onSubmit={ship} aria-label={`Ship order ${order.id.slice(0, 8)}`}>
          <label>
            Carrier
            <input name="carrier" required={tracked} maxLength={200} autoComplete="off" onChange={track} />
          </label>
          <label>
            Tracking number
            <input name="number" required={tracked} maxLength={200} autoComplete="off" onChange={track} />
          </label>
          <label>
            Tracking link (optional, https)
            <input name="url" type="url" pattern="https://.*" maxLength={200} autoComplete="off" onChange={track} />
          </label>
          <button type="submit">Ship order</button>
          <button type="button" className="secondary" onClick={() => setShipping(false)}>
            Not now
          </button>
        </form>
      ) : (
        <div className="actions">
          {(MOVES[order.status] ?? []).map((to) => (
            <button key={to} type="button" className="secondary" onClick={() => move(to)}>
              {to === "cancelled" ? "Cancel" : `Mark ${to}`}
              <span className="visually-hidden"> order {order.id}</span>
            </button>
          ))}
        </div>
      )}
    </li>
  );
}
