import { useState } from "react";
import { api, type ApiError, type Cart, type CartLine } from "../api";
import { ErrorMessage, LineStatusBadge, Loading, Money, PageHeading } from "../components";
import { asApiError, useLoad } from "../hooks";
import { Link, usePageTitle } from "../router";
import { isOutOfStock, shortStock, unitsLeft } from "../stock";

export function CartPage() {
  usePageTitle("Your cart");
  const cart = useLoad(() => api.cart(), []);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // Bumped after every change, so each quantity box shows the cart's quantity again (never
  // the refused 999 beside the old total).
  const [revision, setRevision] = useState(0);

  // Every change answers with the whole cart: totals and line statuses are the server's.
  const change = async (productId: string, action: () => Promise<Cart>) => {
    setBusy(productId);
    setError(null);
    setNotice(null);
    try {
      cart.setData(await action());
    } catch (failure) {
      setError(asApiError(failure));
      cart.reload();
    } finally {
      setBusy(null);
      setRevision((n) => n + 1);
    }
  };

  // More than in stock: say so by name with the units left, and set the line to what is left.
  const setQuantity = (line: CartLine, wanted: number) =>
    change(line.productId, async () => {
      try {
        return await api.setCartLine(line.productId, wanted);
      } catch (failure) {
        if (!isOutOfStock(failure)) throw failure;
        const left = await unitsLeft(line.productId);
        if (left < 1 || left === line.quantity) throw shortStock(line.name, left, left > 0 ? `: your cart holds ${left}` : "");
        const updated = await api.setCartLine(line.productId, left);
        setNotice(shortStock(line.name, left, `: your cart now holds ${left}`));
        return updated;
      }
    });

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
      <ErrorMessage error={error ?? notice} />
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
                  <td data-label="Price">
                    <Money amount={line.price} />
                  </td>
                  <td data-label="Quantity">
                    <input
                      type="number"
                      min={1}
                      max={1000}
                      aria-label={`Quantity of ${line.name}`}
                      defaultValue={line.quantity}
                      key={`${line.productId}-${line.quantity}-${revision}`}
                      disabled={line.status === "unavailable" || busy === line.productId}
                      onBlur={(event) => {
                        const wanted = Math.floor(Number(event.target.value));
                        if (wanted >= 1 && wanted !== line.quantity) setQuantity(line, wanted);
                        else event.target.value = String(line.quantity);
                      }}
                      onKeyDown={(event) => {
                        if (event.key === "Enter") event.currentTarget.blur();
                      }}
                    />
                  </td>
                  <td data-label="Line total">
                    <Money amount={line.lineTotal} />
                  </td>
                  <td data-label="Status">
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
