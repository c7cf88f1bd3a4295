import { useRef, useState, type FormEvent } from "react";
import { api, type ApiError, newIdempotencyKey } from "../api";
import { apiUrl } from "../config";
import { ErrorMessage, Loading, Money, PageHeading, StatusBadge } from "../components";
import { asApiError, useLoad } from "../hooks";
import { Link, navigate, usePageTitle } from "../router";

/** The fake provider's test methods (Stripe's test payment-method names). */
export const TEST_METHODS = [
  { id: "pm_card_visa", label: "Visa test card (succeeds)" },
  { id: "pm_card_mastercard", label: "Mastercard test card (succeeds)" },
  { id: "pm_card_chargeDeclined", label: "Test card that is declined" },
  { id: "pm_card_chargeDeclinedInsufficientFunds", label: "Test card with insufficient funds" },
  { id: "pm_card_authenticationRequired", label: "Test card that asks your bank to confirm (3-D Secure)" },
];

/** Leaves the site for another page (the bank's): one place, so a test can watch it. */
export const leave = { to: (url: string) => window.location.assign(url) };

/** Where to send the customer for their bank's check (the API's `nextAction.url`). The local
 * fake bank's page is a path on the API, told where to send the customer back; a provider's own
 * page (Stripe) is absolute and returns the customer to the return_url the API gave it. */
export function bankPage(nextAction: string, orderId: string, origin = window.location.origin): string {
  const back = `${origin}/orders/${encodeURIComponent(orderId)}?authenticating=1`;
  if (/^https?:\/\//.test(nextAction)) return nextAction;
  const url = new URL(apiUrl() + nextAction);
  url.searchParams.set("return_url", back);
  return url.toString();
}

const REASONS: Record<string, string> = {
  card_declined: "The card was declined.",
  insufficient_funds: "The card has insufficient funds.",
};

export function Payment({ orderId }: { orderId: string }) {
  usePageTitle("Payment");
  const order = useLoad(() => api.order(orderId), [orderId]);
  const [method, setMethod] = useState(TEST_METHODS[0].id);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const attemptKey = useRef<{ method: string; key: string } | null>(null);

  if (order.loading && !order.data) return <Loading label="Loading the order…" />;
  if (!order.data) return <ErrorMessage error={order.error} />;
  const current = order.data;

  const pay = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    // A new attempt (another method, or after a definite answer) gets a new key.
    if (attemptKey.current?.method !== method) attemptKey.current = { method, key: newIdempotencyKey() };
    try {
      const paid = await api.pay(current.id, method, attemptKey.current.key);
      attemptKey.current = null;
      order.setData(paid);
      const action = paid.payment?.status === "requires_action" ? paid.payment.nextAction?.url : undefined;
      if (action) {
        // 3-D Secure: the bank's page, then back to the order, which waits for the bank's answer.
        leave.to(bankPage(action, current.id));
        return;
      }
      navigate(`/orders/${encodeURIComponent(current.id)}?paid=1`);
    } catch (failure) {
      const apiError = asApiError(failure);
      if (apiError.status !== 0 && apiError.status < 500) attemptKey.current = null;
      setError(apiError);
    } finally {
      setBusy(false);
    }
  };

  const declined = error?.code === "PAYMENT_DECLINED";
  const reason = declined ? String(error?.details?.reason ?? "") : "";
  return (
    <section className="narrow">
      <PageHeading>Pay for your order</PageHeading>
      <p>
        Order <code>{current.id}</code> <StatusBadge status={current.status} />, total{" "}
        <Money amount={current.payment?.amount ?? current.totalAmount} currency={current.payment?.currency} />
      </p>
      {current.status !== "pending" ? (
        <p>
          This order is {current.status}: nothing to pay. <Link href={`/orders/${encodeURIComponent(current.id)}`}>See the order</Link>
        </p>
      ) : (
        <form onSubmit={pay}>
          <fieldset>
            <legend>Payment method (test mode)</legend>
            {TEST_METHODS.map((option) => (
              <label key={option.id} className="choice">
                <input type="radio" name="paymentMethod" value={option.id} checked={method === option.id} onChange={() => setMethod(option.id)} />
                {option.label}
              </label>
            ))}
          </fieldset>
          {declined ? (
            <div className="error declined" role="alert">
              <p>
                <strong>Payment declined.</strong> {REASONS[reason] ?? error?.message}
              </p>
              <p>Nothing was charged. Choose another method and pay again.</p>
            </div>
          ) : (
            <ErrorMessage error={error} />
          )}
          <button type="submit" disabled={busy}>
            Pay <Money amount={current.totalAmount} currency={current.payment?.currency} />
          </button>
        </form>
      )}
    </section>
  );
}
