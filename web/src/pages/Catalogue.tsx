import { useEffect, useState } from "react";
import { api, type Product } from "../api";
import { ErrorMessage, Loading, Money, PageHeading } from "../components";
import { usePagedList } from "../hooks";
import { Link, navigate, usePageTitle } from "../router";

export const PAGE_SIZE = 12;

/** The card's picture: the first ready image's thumb (else the product's imageUrl), loaded
 * lazily in a fixed 4:3 box, so the grid never jumps when a picture arrives. The name beside it
 * says what it shows (alt=""). */
export function Thumbnail({ product }: { product: Product }) {
  const first = product.images?.[0];
  const src = first?.urls.thumb ?? product.imageUrl;
  return (
    <div className="thumb">
      {src ? <img src={src} alt="" loading="lazy" decoding="async" width={320} height={240} /> : <div className="placeholder" aria-hidden="true" />}
    </div>
  );
}

export function Catalogue({ category }: { category: string }) {
  usePageTitle(category ? `${category} products` : "Catalogue");
  const list = usePagedList<Product>((cursor, signal) => api.products({ category, limit: PAGE_SIZE, cursor }, signal), [category]);
  const { items: products, loading, error } = list;
  const [categories, setCategories] = useState<string[]>([]);
  const [counts, setCounts] = useState<Record<string, number>>({});

  useEffect(() => {
    // Every category with its count (GET /categories); the ones on screen stay a fallback.
    let live = true;
    api.categories().then(
      (found) => {
        if (!live) return;
        setCounts(Object.fromEntries(found.map((c) => [c.value, c.count])));
        setCategories((known) => [...new Set([...known, ...found.map((c) => c.value)])].sort());
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  // The categories seen so far stay in the filter when one is chosen.
  useEffect(() => {
    setCategories((known) => [...new Set([...known, ...products.map((p) => p.category)])].sort());
  }, [products]);

  const choices = category && !categories.includes(category) ? [...categories, category].sort() : categories;
  return (
    <section aria-labelledby="catalogue-heading">
      <div className="toolbar">
        <PageHeading>
          <span id="catalogue-heading">{category || "All products"}</span>
        </PageHeading>
        {/* A choice changes the page only when submitted (WCAG 3.2.2: no change of context on input). */}
        <form
          className="filter"
          role="search"
          aria-label="Filter by category"
          onSubmit={(event) => {
            event.preventDefault();
            const chosen = new FormData(event.currentTarget).get("category") as string;
            navigate(chosen ? `/?category=${encodeURIComponent(chosen)}` : "/");
          }}
        >
          <label>
            Category{" "}
            <select name="category" defaultValue={category} key={`${category}-${choices.length}`}>
              <option value="">All categories</option>
              {choices.map((name) => (
                <option key={name} value={name}>
                  {counts[name] === undefined ? name : `${name} (${counts[name]})`}
                </option>
              ))}
            </select>
          </label>{" "}
          <button type="submit">Show</button>
        </form>
      </div>
      <ErrorMessage error={error} />
      <ul className="grid" aria-label="Products" aria-busy={loading}>
        {products.map((product) => (
          <li key={product.id} className="card">
            <Thumbnail product={product} />
            <h2>
              <Link href={`/products/${encodeURIComponent(product.id)}`}>{product.name}</Link>
            </h2>
            <p className="muted">{product.category}</p>
            <p>
              <Money amount={product.price} />
            </p>
            <p className="muted">{product.stock > 0 ? `${product.stock} in stock` : "Out of stock"}</p>
          </li>
        ))}
      </ul>
      {loading && <Loading label="Loading products…" />}
      {!loading && !error && products.length === 0 && <p>No products here yet.</p>}
      {list.hasMore && !loading && (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
