import { useEffect, useState } from "react";
import { api, type ApiError, type Order } from "../api";
import { dateTime, ErrorMessage, Loading, Money, Notice, PageHeading, StatusBadge } from "../components";
import { asApiError, useLoad, usePagedList, useSession } from "../hooks";
import { AddressLines, CustomerLines, PaymentState, RefundList, TrackingInfo } from "../orderParts";
import { ReturnList, ReturnRequestForm } from "../returns";
import { Link, usePageTitle } from "../router";

export function OrderList() {
  usePageTitle("My orders");
  const list = usePagedList<Order>((cursor, signal) => api.orders({ cursor, limit: 20 }, signal), []);
  const { items: orders, loading, error } = list;

  return (
    <section>
      <PageHeading>My orders</PageHeading>
      <ErrorMessage error={error} />
      {orders.length > 0 && (
        <table className="lines">
          <caption className="visually-hidden">Your orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id} data-order-id={order.id}>
                <th scope="row">
                  <Link href={`/orders/${encodeURIComponent(order.id)}`}>{order.items.map((line) => line.name).join(", ")}</Link>
                </th>
                <td data-label="Placed">{dateTime(order.createdAt)}</td>
                <td data-label="Status">
                  <StatusBadge status={order.status} />
                </td>
                <td data-label="Total">
                  <Money amount={order.totalAmount} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading && <Loading label="Loading your orders…" />}
      {!loading && !error && orders.length === 0 && (
        <p>
          No orders yet. <Link href="/">Browse the catalogue</Link>
        </p>
      )}
      {list.hasMore && !loading && (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}

/** How long the order page waits for the bank's answer after 3-D Secure (the webhook). */
export const AUTHENTICATION_WAIT_MS = 30_000;
export const AUTHENTICATION_POLL_MS = 1_000;

export function OrderDetail({ orderId, justPaid, authenticating = false }: { orderId: string; justPaid: boolean; authenticating?: boolean }) {
  usePageTitle("Order");
  const order = useLoad(() => api.order(orderId), [orderId]);
  const session = useSession();
  const awaitingBank = order.data?.status === "pending" && order.data.payment?.status === "requires_action";
  const [gaveUp, setGaveUp] = useState(false);
  const { setData } = order;
  useEffect(() => {
    // Back from the bank's page: its answer reaches the API as a webhook, a moment later.
    if (!authenticating || !awaitingBank) return;
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started > AUTHENTICATION_WAIT_MS) {
        clearInterval(timer);
        setGaveUp(true);
        return;
      }
      api.order(orderId).then(setData, () => undefined);
    }, AUTHENTICATION_POLL_MS);
    return () => clearInterval(timer);
  }, [authenticating, awaitingBank, orderId, setData]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (order.loading && !order.data) return <Loading label="Loading the order…" />;
  if (!order.data) {
    return (
      <>
        <PageHeading>Order not found</PageHeading>
        <ErrorMessage error={order.error} />
      </>
    );
  }
  const current = order.data;
  const cancel = async () => {
    if (!window.confirm("Cancel this order? Its items go back on sale and it cannot be paid any more. This cannot be undone.")) return;
    setBusy(true);
    setError(null);
    try {
      order.setData(await api.cancelOrder(current.id));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageHeading>Order</PageHeading>
      {(justPaid || authenticating) && current.status === "paid" && <Notice>Payment received: thank you. A confirmation email is on its way.</Notice>}
      {authenticating && awaitingBank && (
        <p className="notice" role="status">
          {gaveUp ? "Your bank has not answered yet. Reload this page in a moment." : "Waiting for your bank's answer…"}
        </p>
      )}
      {authenticating && current.status === "pending" && current.payment?.status === "requires_payment" && current.payment.lastDecline && (
        <div className="error declined" role="alert">
          <p>
            <strong>Your bank did not confirm the payment.</strong> Nothing was charged. Pay again, with this card or another.
          </p>
        </div>
      )}
      <p>
        <code>{current.id}</code>, placed {dateTime(current.createdAt)}: <StatusBadge status={current.status} />
      </p>
      <table className="lines">
        <caption className="visually-hidden">Items in the order</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Line total</th>
          </tr>
        </thead>
        <tbody>
          {current.items.map((line) => (
            <tr key={line.productId}>
              <th scope="row">{line.name}</th>
              <td data-label="Price">
                <Money amount={line.price} />
              </td>
              <td data-label="Quantity">{line.quantity}</td>
              <td data-label="Line total">
                <Money amount={line.lineTotal} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="total">
        Total <Money amount={current.totalAmount} />
      </p>
      <p>
        Payment: <PaymentState order={current} />
      </p>
      {session && session.user.userId !== current.userId && (
        <>
          <h2>Customer</h2>
          <p>
            <CustomerLines order={current} />
          </p>
        </>
      )}
      <h2>Shipping to</h2>
      <AddressLines address={current.shippingAddress} />
      <TrackingInfo order={current} />
      <RefundList order={current} />
      <ReturnList order={current} />
      <ReturnRequestForm order={current} onDone={order.reload} />
      <h2>Status history</h2>
      <ol className="history">
        {(current.statusHistory ?? [{ status: current.status, at: current.updatedAt }]).map((step) => (
          <li key={`${step.status}-${step.at}`}>
            <StatusBadge status={step.status} /> <time dateTime={step.at}>{dateTime(step.at)}</time>
          </li>
        ))}
      </ol>
      <ErrorMessage error={error} />
      {current.status === "pending" && (
        <div className="actions">
          <Link className="button" href={`/orders/${encodeURIComponent(current.id)}/pay`}>
            Pay now
          </Link>
          <button type="button" className="secondary" onClick={cancel} disabled={busy}>
            Cancel order
          </button>
        </div>
      )}
      <p>
        <Link href="/orders">All my orders</Link>
      </p>
    </section>
  );
}
