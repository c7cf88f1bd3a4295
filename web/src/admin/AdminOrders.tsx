import { useEffect, useState } from "react";
import { api, type ApiError, type Order, type OrderStatus } from "../api";
import { dateTime, ErrorMessage, Loading, Money, Notice, PageHeading, StatusBadge } from "../components";
import { asApiError } from "../hooks";
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
  const [orders, setOrders] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async (from: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.orders({ status, cursor: from, limit: 25 });
      setOrders((shown) => (from ? [...shown, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    setOrders([]);
    setNotice(null);
    load(null);
  }, [status]);

  const move = async (order: Order, to: OrderStatus) => {
    setError(null);
    try {
      const moved = to === "cancelled" ? await api.cancelOrder(order.id) : await api.moveOrder(order.id, to);
      setOrders((shown) => shown.filter((o) => o.id !== order.id));
      setNotice(`Order ${moved.id} is now ${moved.status}.`);
    } catch (failure) {
      setError(asApiError(failure));
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
      {cursor && !loading && (
        <button type="button" onClick={() => load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
