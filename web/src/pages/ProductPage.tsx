import { useState } from "react";
import { api, type ApiError, type ProductImage } from "../api";
import { ErrorMessage, Loading, Money, Notice, PageHeading } from "../components";
import { asApiError, useLoad, useSession } from "../hooks";
import { Link, usePageTitle } from "../router";
import { isOutOfStock, shortStock, unitsLeft } from "../stock";

export function ProductPage({ productId }: { productId: string }) {
  const product = useLoad(() => api.product(productId), [productId]);
  const session = useSession();
  usePageTitle(product.data?.name ?? "Product");
  // The box's text as typed (it may be empty while typing); at least 1 unit is asked for.
  const [quantityText, setQuantityText] = useState("1");
  const quantity = Math.max(1, Math.floor(Number(quantityText) || 1));
  const [chosen, setChosen] = useState(0);
  const [added, setAdded] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (product.loading) return <Loading />;
  if (!product.data) {
    return (
      <>
        <PageHeading>Product not found</PageHeading>
        <ErrorMessage error={product.error} />
        <Link href="/">Back to the catalogue</Link>
      </>
    );
  }
  const item = product.data;
  const images: ProductImage[] = item.images ?? [];
  const shown = images[chosen];

  const addToCart = async () => {
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      // PUT sets the line: add to what the cart already holds.
      const cart = await api.cart();
      const already = cart.items.find((line) => line.productId === item.id)?.quantity ?? 0;
      let updated;
      try {
        updated = await api.setCartLine(item.id, already + quantity);
      } catch (failure) {
        if (!isOutOfStock(failure)) throw failure;
        const left = await unitsLeft(item.id);
        setQuantityText(String(Math.max(1, Math.min(left - already, left))));
        throw shortStock(item.name, left, already > 0 ? ` (${already} already in your cart)` : "");
      }
      setAdded(`Added to your cart: ${updated.itemCount} item${updated.itemCount === 1 ? "" : "s"} in it now.`);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="product">
      <div className="gallery">
        <div className="stage">
          {shown ? (
            <img src={shown.urls.large} alt={`${item.name}, picture ${chosen + 1} of ${images.length}`} width={shown.width} height={shown.height} />
          ) : item.imageUrl ? (
            <img src={item.imageUrl} alt={item.name} />
          ) : (
            <div className="placeholder" aria-hidden="true" />
          )}
        </div>
        {images.length > 1 && (
          <ul className="thumbs" aria-label={`All ${images.length} pictures`}>
            {images.map((image, index) => (
              <li key={image.id}>
                <button type="button" aria-pressed={index === chosen} onClick={() => setChosen(index)}>
                  <img src={image.urls.thumb} alt={`Show picture ${index + 1} of ${images.length}`} loading="lazy" width={80} height={60} />
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <PageHeading>{item.name}</PageHeading>
        <p className="muted">{item.category}</p>
        <p className="price">
          <Money amount={item.price} />
        </p>
        {item.description && <p className="description">{item.description}</p>}
        <p>{item.stock > 0 ? `${item.stock} in stock` : "Out of stock"}</p>
        {session ? (
          <div className="buy">
            <label>
              Quantity{" "}
              <input
                type="number"
                min={1}
                max={Math.max(1, Math.min(1000, item.stock))}
                value={quantityText}
                onChange={(event) => setQuantityText(event.target.value)}
              />
            </label>
            <button type="button" onClick={addToCart} disabled={busy || item.stock === 0}>
              Add to cart
            </button>
          </div>
        ) : (
          <p>
            <Link href={`/signin?next=${encodeURIComponent(`/products/${item.id}`)}`}>Sign in</Link> to buy this.
          </p>
        )}
        <ErrorMessage error={error} />
        {added && (
          <Notice>
            {added} <Link href="/cart">Go to the cart</Link>
          </Notice>
        )}
      </div>
    </article>
  );
}
