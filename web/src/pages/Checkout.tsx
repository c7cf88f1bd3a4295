import { useRef, useState, type FormEvent } from "react";
import { api, newIdempotencyKey, type Address, type ApiError } from "../api";
import { ErrorMessage, Loading, Money, PageHeading } from "../components";
import { asApiError, useLoad } from "../hooks";
import { Link, navigate, usePageTitle } from "../router";

const FIELDS: { name: keyof Address; label: string; autoComplete: string }[] = [
  { name: "street", label: "Street", autoComplete: "street-address" },
  { name: "city", label: "City", autoComplete: "address-level2" },
  { name: "state", label: "State or region", autoComplete: "address-level1" },
  { name: "zipCode", label: "Postal code", autoComplete: "postal-code" },
  { name: "country", label: "Country", autoComplete: "country-name" },
];

/** Whether a failed attempt may have been applied: then a retry must reuse its key. */
function maybeApplied(error: ApiError): boolean {
  return error.status === 0 || error.status >= 500;
}

export function Checkout() {
  usePageTitle("Checkout");
  const cart = useLoad(() => api.cart(), []);
  const [address, setAddress] = useState<Address>({ street: "", city: "", state: "", zipCode: "", country: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per attempt; kept only while the attempt's outcome is unknown.
  const attemptKey = useRef<string | null>(null);

  if (cart.loading && !cart.data) return <Loading label="Loading your cart…" />;
  if (!cart.data) return <ErrorMessage error={cart.error} />;
  const total = cart.data.totalAmount;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    attemptKey.current ??= newIdempotencyKey();
    try {
      const order = await api.checkout({ shippingAddress: address, expectedTotal: total }, attemptKey.current);
      attemptKey.current = null;
      navigate(`/orders/${encodeURIComponent(order.id)}/pay`);
    } catch (failure) {
      const apiError = asApiError(failure);
      if (!maybeApplied(apiError)) attemptKey.current = null;
      setError(apiError);
      if (apiError.code === "PRICE_CHANGED" || apiError.code === "OUT_OF_STOCK" || apiError.code === "PRODUCT_NOT_FOUND") cart.reload();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <PageHeading>Checkout</PageHeading>
      {cart.data.items.length === 0 ? (
        <p>
          Your cart is empty. <Link href="/">Browse the catalogue</Link>
        </p>
      ) : (
        <form onSubmit={submit}>
          <p>
            {cart.data.itemCount} item{cart.data.itemCount === 1 ? "" : "s"}, total to pay <Money amount={total} />{" "}
            (<Link href="/cart">change the cart</Link>)
          </p>
          <fieldset>
            <legend>Shipping address</legend>
            {FIELDS.map((field) => (
              <label key={field.name}>
                {field.label}
                <input
                  name={field.name}
                  autoComplete={field.autoComplete}
                  required
                  maxLength={200}
                  value={address[field.name]}
                  onChange={(event) => setAddress({ ...address, [field.name]: event.target.value })}
                />
              </label>
            ))}
          </fieldset>
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Place order
          </button>
        </form>
      )}
    </section>
  );
}
