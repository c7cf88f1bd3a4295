import { useEffect, useState } from "react";
import { api, type ApiError, type Order, type OrderStatus } from "../api";
import { dateTime, ErrorMessage, Loading, Money, Notice, PageHeading, StatusBadge } from "../components";
import { asApiError, usePagedList } from "../hooks";
import { Link, usePageTitle } from "../router";

export const STATUSES: OrderStatus[] = ["pending", "paid", "shipped", "delivered", "cancelled", "expired"];
// The lifecycle's moves an admin makes here (docs/ORDERS.md); paying is the customer's.
export const MOVES: Partial<Record<OrderStatus, OrderStatus[]>> = {
  pending: ["cancelled"],
  paid: ["shipped", "cancelled"],
  shipped: ["delivered"],
};

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

  const move = async (order: Order, to: OrderStatus) => {
    setActionError(null);
    setNotice(null);
    try {
      const moved = to === "cancelled" ? await api.cancelOrder(order.id) : await api.moveOrder(order.id, to);
      list.update((shown) => shown.filter((o) => o.id !== order.id));
      setNotice(`Order ${moved.id} is now ${moved.status}.`);
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
        <table className="lines">
          <caption className="visually-hidden">Orders in status {status}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
              <th scope="col">Move to</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id} data-order-id={order.id}>
                <th scope="row">
                  <code>{order.id.slice(0, 8)}</code> {order.items.map((line) => `${line.quantity} × ${line.name}`).join(", ")}
                </th>
                <td>{dateTime(order.createdAt)}</td>
                <td>
                  <StatusBadge status={order.status} />
                </td>
                <td>
                  <Money amount={order.totalAmount} />
                </td>
                <td>
                  {(MOVES[order.status] ?? []).map((to) => (
                    <button key={to} type="button" className="secondary" onClick={() => move(order, to)}>
                      {to === "cancelled" ? "Cancel" : `Mark ${to}`}
                      <span className="visually-hidden"> order {order.id}</span>
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
