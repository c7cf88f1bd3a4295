import type { Address, Order } from "./api";
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
