import { useState, type ChangeEvent, type FormEvent } from "react";
import { money, type Order, type OrderStatus, type Tracking } from "../api";
import { dateTime, Money, StatusBadge } from "../components";
import { AddressLines, CustomerLines, PaymentState } from "../orderParts";
import { Link } from "../router";
import { ReturnDecision, ReturnList } from "../returns";
import { parsePrice } from "./ProductForm";

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

/** What is left to refund of an order's charge (nothing when nothing was charged). */
export function refundable(order: Order): number {
  const payment = order.payment;
  if (!payment || !["succeeded", "partially_refunded"].includes(payment.status)) return 0;
  const charged = Math.round((payment.amount ?? order.totalAmount) * 100);
  return Math.max(0, charged - Math.round((payment.refundedAmount ?? 0) * 100)) / 100;
}

export interface RefundAsked {
  amount: number;
  reason?: string;
}

/** One order as an operator works from it: who and where, what, the payment, and its moves
 * (each asks first; "ship" takes the tracking). A card, not a table row: it reads on a phone. */
export function AdminOrderCard({
  order,
  onMove,
  onRefund,
  onReturnDecided,
}: {
  order: Order;
  onMove: (order: Order, to: OrderStatus, tracking?: Tracking) => void;
  onRefund: (order: Order, refund: RefundAsked) => void;
  onReturnDecided?: (order: Order, message: string) => void;
}) {
  const [shipping, setShipping] = useState(false);
  const [refunding, setRefunding] = useState(false);
  const [refundProblem, setRefundProblem] = useState<string | null>(null);
  const left = refundable(order);
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
  const refund = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const amount = parsePrice(String(form.get("amount") ?? ""));
    const reason = String(form.get("reason") ?? "").trim();
    if (amount === null || amount <= 0) return setRefundProblem("Type an amount such as 12.50 or 12,50.");
    if (amount > left) return setRefundProblem(`At most ${money(left)} is left to refund.`);
    setRefundProblem(null);
    const currency = order.payment?.currency;
    if (!window.confirm(`Refund ${money(amount, currency)} of order ${order.id.slice(0, 8)} to the customer's card? This cannot be undone.`)) return;
    setRefunding(false);
    onRefund(order, reason ? { amount, reason } : { amount });
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
          <CustomerLines order={order} />
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
      <ReturnList order={order} admin={(made) => <ReturnDecision order={order} made={made} onDecided={(message) => onReturnDecided?.(order, message)} />} />
      {refunding && (
        <form className="refund" onSubmit={refund} aria-label={`Refund order ${order.id.slice(0, 8)}`} noValidate>
          <label>
            Amount to refund
            <input
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              required
              defaultValue={left.toFixed(2)}
              aria-describedby={`refund-left-${order.id}`}
              aria-invalid={refundProblem ? true : undefined}
            />
          </label>
          <p id={`refund-left-${order.id}`} className="muted">
            {money(left, order.payment?.currency)} left to refund.
          </p>
          <label>
            Reason (optional)
            <input name="reason" maxLength={200} autoComplete="off" />
          </label>
          {refundProblem && (
            <p className="error" role="alert">
              {refundProblem}
            </p>
          )}
          <button type="submit">Refund</button>
          <button type="button" className="secondary" onClick={() => setRefunding(false)}>
            Not now
          </button>
        </form>
      )}
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
          {left > 0 && !refunding && (
            <button type="button" className="secondary" onClick={() => setRefunding(true)}>
              Refund…<span className="visually-hidden"> order {order.id}</span>
            </button>
          )}
        </div>
      )}
    </li>
  );
}
