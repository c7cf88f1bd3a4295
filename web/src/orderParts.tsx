import type { Address, Order } from "./api";
import { dateTime, Money } from "./components";
import { money } from "./api";

export function AddressLines({ address }: { address: Address }) {
  return (
    <address>
      {address.street}
      <br />
      {address.zipCode} {address.city}, {address.state}
      <br />
      {address.country}
    </address>
  );
}

const PAYMENT: Record<string, string> = {
  requires_payment: "not paid yet",
  requires_action: "awaiting the customer's bank",
  processing: "processing",
  succeeded: "paid",
  partially_refunded: "partly refunded",
  refunded: "refunded",
};

/** The payment as the API states it, with what was refunded when anything was. */
export function PaymentState({ order }: { order: Order }) {
  const payment = order.payment;
  if (!payment) return <>none recorded</>;
  const label = PAYMENT[payment.status] ?? payment.status;
  const amount = payment.amount !== undefined ? ` (${money(payment.amount, payment.currency)})` : "";
  const refunded = payment.refundedAmount ? `, ${money(payment.refundedAmount, payment.currency)} refunded` : "";
  return (
    <>
      {label}
      {amount}
      {refunded}
    </>
  );
}

/** The tracking an admin gave when shipping (API.md, "Shipping details"). */
export function TrackingInfo({ order }: { order: Order }) {
  const tracking = order.tracking;
  if (!tracking) return null;
  return (
    <>
      <h2>Tracking</h2>
      <p className="tracking">
        {tracking.carrier}: <code>{tracking.number}</code>
        {tracking.url && /^https:\/\//.test(tracking.url) && (
          <>
            {" "}
            <a href={tracking.url} rel="noopener noreferrer" target="_blank">
              Follow the parcel<span className="visually-hidden"> (opens a new tab)</span>
            </a>
          </>
        )}
      </p>
    </>
  );
}

/** Who placed the order (its name and email when it was placed), and the account it belongs to:
 * the admin's orders page and an admin reading an order work from it. Older orders know only
 * the account. */
export function CustomerLines({ order }: { order: Order }) {
  const { email, name } = order.customer ?? { email: null, name: null };
  return (
    <span className="customer">
      {name && <span className="customer-name">{name}</span>}
      {name && email && <br />}
      {email && <a href={`mailto:${email}`}>{email}</a>}
      {(name || email) && <br />}
      <span className="muted">
        account <code>{order.userId}</code>
      </span>
    </span>
  );
}

const REFUND_STATES: Record<string, string> = {
  succeeded: "refunded",
  pending: "on its way (the payment provider has not confirmed it yet)",
  failed: "failed: we are looking into it",
};
const REFUND_REASONS: Record<string, string> = {
  order_cancelled: "the order was cancelled",
  order_not_payable: "the payment came after the order was closed",
  requested_by_admin: "issued by the shop",
  return_received: "your return arrived",
};

/** Every refund of the order (API.md, "Refunds"), oldest first, as its customer reads it. */
export function RefundList({ order }: { order: Order }) {
  const refunds = order.refunds ?? [];
  if (refunds.length === 0) return null;
  const currency = order.payment?.currency;
  return (
    <>
      <h2>Refunds</h2>
      <ul className="refunds">
        {refunds.map((refund) => (
          <li key={refund.id} data-refund-status={refund.status}>
            <Money amount={refund.amount} currency={currency} /> {REFUND_STATES[refund.status] ?? refund.status}
            {refund.reason && <> ({REFUND_REASONS[refund.reason] ?? refund.reason})</>},{" "}
            <time dateTime={refund.createdAt}>{dateTime(refund.createdAt)}</time>
          </li>
        ))}
      </ul>
    </>
  );
}
