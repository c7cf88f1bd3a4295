import { useState } from "react";
import { api, type ApiError, type Cart } from "../api";
import { ErrorMessage, LineStatusBadge, Loading, Money, PageHeading } from "../components";
import { asApiError, useLoad } from "../hooks";
import { Link, usePageTitle } from "../router";

export function CartPage() {
  usePageTitle("Your cart");
  const cart = useLoad(() => api.cart(), []);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  // Every change answers with the whole cart: totals and line statuses are the server's.
  const change = async (productId: string, action: () => Promise<Cart>) => {
    setBusy(productId);
    setError(null);
    try {
      cart.setData(await action());
    } catch (failure) {
      setError(asApiError(failure));
      cart.reload();
    } finally {
      setBusy(null);
    }
  };

  if (cart.loading && !cart.data) return <Loading label="Loading your cart…" />;
  if (!cart.data) {
    return (
      <>
        <PageHeading>Your cart</PageHeading>
        <ErrorMessage error={cart.error} />
      </>
    );
  }
  const { items, totalAmount, itemCount } = cart.data;
  const blocked = items.some((line) => line.status !== "ok");
  return (
    <section>
      <PageHeading>Your cart</PageHeading>
      <ErrorMessage error={error} />
      {items.length === 0 ? (
        <p>
          Your cart is empty. <Link href="/">Browse the catalogue</Link>
        </p>
      ) : (
        <>
          <table className="lines">
            <caption className="visually-hidden">Items in your cart</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Price</th>
                <th scope="col">Quantity</th>
                <th scope="col">Line total</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((line) => (
                <tr key={line.productId} data-status={line.status}>
                  <th scope="row">
                    {line.status === "unavailable" ? line.name : <Link href={`/products/${encodeURIComponent(line.productId)}`}>{line.name}</Link>}
                  </th>
                  <td>
                    <Money amount={line.price} />
                  </td>
                  <td>
                    <input
                      type="number"
                      min={1}
                      max={1000}
                      aria-label={`Quantity of ${line.name}`}
                      defaultValue={line.quantity}
                      key={`${line.productId}-${line.quantity}`}
                      disabled={line.status === "unavailable" || busy === line.productId}
                      onBlur={(event) => {
                        const wanted = Math.floor(Number(event.target.value));
                        if (wanted >= 1 && wanted !== line.quantity) change(line.productId, () => api.setCartLine(line.productId, wanted));
                      }}
                      onKeyDown={(event) => {
                        if (event.key === "Enter") event.currentTarget.blur();
                      }}
                    />
                  </td>
                  <td>
                    <Money amount={line.lineTotal} />
                  </td>
                  <td>
                    <LineStatusBadge status={line.status} availableStock={line.availableStock} />
                  </td>
                  <td>
                    <button type="button" className="link" disabled={busy === line.productId} onClick={() => change(line.productId, () => api.removeCartLine(line.productId))}>
                      Remove<span className="visually-hidden"> {line.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="total" aria-live="polite">
            {itemCount} item{itemCount === 1 ? "" : "s"}, total <Money amount={totalAmount} />
          </p>
          {blocked ? (
            <p role="note">Change or remove the lines marked above before checking out.</p>
          ) : (
            <Link className="button" href="/checkout">
              Check out
            </Link>
          )}
        </>
      )}
    </section>
  );
}
