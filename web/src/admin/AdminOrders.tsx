import { useEffect, useState } from "react";
import { api, money, newIdempotencyKey, type ApiError, type Order, type OrderStatus, type Tracking } from "../api";
import { ErrorMessage, Loading, Notice, PageHeading } from "../components";
import { asApiError, usePagedList } from "../hooks";
import { Link, usePageTitle } from "../router";
import { AdminOrderCard, type RefundAsked } from "./AdminOrderCard";

export const STATUSES: OrderStatus[] = ["pending", "paid", "shipped", "delivered", "cancelled", "expired"];

export default function AdminOrders({ status }: { status: OrderStatus }) {
  usePageTitle(`Admin: ${status} orders`);
  const list = usePagedList<Order>((cursor, signal) => api.orders({ status, cursor, limit: 25 }, signal), [status]);
  const orders = list.items;
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    setNotice(null);
    setActionError(null);
  }, [status]);
  const error = actionError ?? list.error;
  const loading = list.loading;

  const move = async (order: Order, to: OrderStatus, tracking?: Tracking) => {
    setActionError(null);
    setNotice(null);
    try {
      const moved = to === "cancelled" ? await api.cancelOrder(order.id) : await api.moveOrder(order.id, to, tracking);
      list.update((shown) => shown.filter((o) => o.id !== order.id));
      const shipped = moved.tracking ? ` (${moved.tracking.carrier} ${moved.tracking.number})` : "";
      setNotice(`Order ${moved.id} is now ${moved.status}${shipped}.`);
    } catch (failure) {
      setActionError(asApiError(failure));
    }
  };

  const refund = async (order: Order, asked: RefundAsked) => {
    setActionError(null);
    setNotice(null);
    try {
      // One key per confirmed refund: a retry of this request can never refund twice.
      const made = await api.refund(order.id, asked, newIdempotencyKey());
      const fresh = await api.order(order.id);
      list.update((shown) => shown.map((o) => (o.id === order.id ? fresh : o)));
      const state = made.status === "succeeded" ? "refunded" : made.status === "pending" ? "refund pending (retried until the provider accepts it)" : "refund failed";
      setNotice(`Order ${order.id}: ${money(made.amount, order.payment?.currency)} ${state}.`);
    } catch (failure) {
      setActionError(asApiError(failure));
    }
  };

  const returnDecided = async (order: Order, message: string) => {
    setActionError(null);
    setNotice(message);
    try {
      const fresh = await api.order(order.id);
      list.update((shown) => shown.map((o) => (o.id === order.id ? fresh : o)));
    } catch (failure) {
      setActionError(asApiError(failure));
    }
  };

  return (
    <section>
      <PageHeading>Orders</PageHeading>
      <nav aria-label="Order status">
        <ul className="tabs">
          {STATUSES.map((name) => (
            <li key={name}>
              <Link href={`/admin/orders?status=${name}`} aria-current={name === status ? "page" : undefined}>
                {name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {notice && <Notice>{notice}</Notice>}
      <ErrorMessage error={error} />
      {orders.length > 0 && (
        <ul className="order-cards" aria-label={`Orders in status ${status}, newest first`}>
          {orders.map((order) => (
            <AdminOrderCard key={order.id} order={order} onMove={move} onRefund={refund} onReturnDecided={returnDecided} />
          ))}
        </ul>
      )}
      {loading && <Loading />}
      {!loading && !error && orders.length === 0 && <p>No {status} orders.</p>}
      {list.hasMore && !loading && (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
