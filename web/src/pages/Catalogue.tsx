import { useEffect, useState } from "react";
import { api, type Product } from "../api";
import { ErrorMessage, Loading, Money, PageHeading } from "../components";
import { asApiError } from "../hooks";
import { Link, navigate, usePageTitle } from "../router";
import type { ApiError } from "../api";

export const PAGE_SIZE = 12;

export function Catalogue({ category }: { category: string }) {
  usePageTitle(category ? `${category} products` : "Catalogue");
  const [products, setProducts] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [categories, setCategories] = useState<string[]>([]);
  const [counts, setCounts] = useState<Record<string, number>>({});

  useEffect(() => {
    // Every category with its count (GET /categories); the ones on screen stay a fallback.
    let live = true;
    api.categories().then(
      (list) => {
        if (!live) return;
        setCounts(Object.fromEntries(list.map((c) => [c.value, c.count])));
        setCategories((known) => [...new Set([...known, ...list.map((c) => c.value)])].sort());
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  const remember = (items: Product[]) =>
    setCategories((known) => [...new Set([...known, ...items.map((p) => p.category)])].sort());

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    setProducts([]);
    api.products({ category, limit: PAGE_SIZE }).then(
      (page) => {
        if (!live) return;
        setProducts(page.items);
        setCursor(page.nextCursor);
        remember(page.items);
        setLoading(false);
      },
      (failure) => {
        if (!live) return;
        setError(asApiError(failure));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [category]);

  const loadMore = async () => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.products({ category, limit: PAGE_SIZE, cursor });
      setProducts((shown) => [...shown, ...page.items]);
      setCursor(page.nextCursor);
      remember(page.items);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setLoading(false);
    }
  };

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
      {cursor && !loading && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
