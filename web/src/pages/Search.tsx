import { useEffect, useRef, useState } from "react";
import { api, money, type Product, type SearchPage as Results, type SearchQuery, type SearchSort } from "../api";
import { ErrorMessage, Loading, Money, PageHeading } from "../components";
import { asApiError } from "../hooks";
import { Link, navigate, useLocation, usePageTitle } from "../router";
import { Thumbnail } from "./Catalogue";
import type { ApiError } from "../api";

export const SUGGEST_DELAY_MS = 250;
export const SEARCH_PAGE_SIZE = 12;
const SORTS: { value: SearchSort; label: string }[] = [
  { value: "relevance", label: "Best match" },
  { value: "price_asc", label: "Price: low to high" },
  { value: "price_desc", label: "Price: high to low" },
  { value: "newest", label: "Newest" },
];

/** The header's search box: as-you-type suggestions (after a pause in typing; a request made
 * stale by more typing is cancelled), and the results page on submit. */
export function SearchBox() {
  const [text, setText] = useState("");
  const [suggestions, setSuggestions] = useState<Product[]>([]);
  // Stops the suggestion on its way (the pause timer, or the request): submitting or moving to
  // another page closes the list, and a late answer must not open it again over the new page.
  const stopSuggesting = useRef<() => void>(() => undefined);
  const here = useLocation().href;

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setSuggestions([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.search({ q, limit: 5 }, controller.signal).then(
        (page) => controller.signal.aborted || setSuggestions(page.items),
        () => controller.signal.aborted || setSuggestions([]),
      );
    }, SUGGEST_DELAY_MS);
    const stop = () => {
      clearTimeout(timer);
      controller.abort();
    };
    stopSuggesting.current = stop;
    return stop;
  }, [text]);

  useEffect(() => {
    stopSuggesting.current();
    setSuggestions([]);
  }, [here]);

  return (
    <form
      className="search-box"
      role="search"
      aria-label="Search products"
      onSubmit={(event) => {
        event.preventDefault();
        stopSuggesting.current();
        setSuggestions([]);
        navigate(`/search?q=${encodeURIComponent(text.trim())}`);
      }}
    >
      <label>
        <span className="visually-hidden">Search products</span>
        <input
          type="search"
          name="q"
          value={text}
          maxLength={200}
          autoComplete="off"
          placeholder="Search products"
          onChange={(event) => setText(event.target.value)}
        />
      </label>{" "}
      <button type="submit">Search</button>
      {suggestions.length > 0 && (
        <ul className="suggestions" aria-label="Suggestions">
          {suggestions.map((product) => (
            <li key={product.id}>
              <Link href={`/products/${encodeURIComponent(product.id)}`} onClick={() => setSuggestions([])}>
                {product.name}
              </Link>{" "}
              <span className="muted">{money(product.price)}</span>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

/** The search's query from the page's URL (/search?q=&category=&minPrice=&maxPrice=&inStock=&sort=). */
export function queryOf(params: URLSearchParams): SearchQuery {
  const number = (name: string) => (params.get(name) ? Number(params.get(name)) : undefined);
  return {
    q: params.get("q") ?? "",
    category: params.get("category") || undefined,
    minPrice: number("minPrice"),
    maxPrice: number("maxPrice"),
    inStock: params.get("inStock") === "true",
    sort: (params.get("sort") as SearchSort) || "relevance",
  };
}

function hrefWith(params: URLSearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(name);
    else next.set(name, value);
  }
  return `/search?${next.toString()}`;
}

export function SearchPage({ params }: { params: URLSearchParams }) {
  const query = queryOf(params);
  usePageTitle(query.q ? `Search: ${query.q}` : "Search");
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const key = params.toString();

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    setResults(null);
    api.search({ ...query, limit: SEARCH_PAGE_SIZE }, controller.signal).then(
      (page) => {
        setResults(page);
        setLoading(false);
      },
      (failure) => {
        if (controller.signal.aborted) return;
        setError(asApiError(failure));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key]); // the URL is the query

  const loadMore = async () => {
    if (!results) return;
    setLoading(true);
    setError(null);
    try {
      const page = await api.search({ ...query, limit: SEARCH_PAGE_SIZE, cursor: results.nextCursor });
      setResults({ ...page, items: [...results.items, ...page.items] });
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setLoading(false);
    }
  };

  const facets = results?.facets;
  return (
    <section aria-labelledby="search-heading">
      <div className="toolbar">
        <PageHeading>
          <span id="search-heading">{query.q ? `Results for “${query.q}”` : "All products"}</span>
        </PageHeading>
        {/* Applied on submit (WCAG 3.2.2: no change of context on input). */}
        <form
          className="filter"
          aria-label="Sort and filter"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            navigate(hrefWith(params, { sort: String(form.get("sort")), inStock: form.get("inStock") ? "true" : null }));
          }}
        >
          <label>
            Sort{" "}
            <select name="sort" defaultValue={query.sort} key={key}>
              {SORTS.map((sort) => (
                <option key={sort.value} value={sort.value}>
                  {sort.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" name="inStock" defaultChecked={query.inStock} key={key} /> In stock only
          </label>
          <button type="submit">Apply</button>
        </form>
      </div>
      <ErrorMessage error={error} />
      {results && (
        <p role="status">
          {results.total} {results.total === 1 ? "product" : "products"}
        </p>
      )}
      <div className="search-layout">
        {facets && (
          <nav aria-label="Refine" className="facets">
            <h2>Category</h2>
            <ul>
              {query.category && (
                <li>
                  <Link href={hrefWith(params, { category: null })}>All categories</Link>
                </li>
              )}
              {facets.categories.map((facet) => (
                <li key={facet.value}>
                  <Link
                    href={hrefWith(params, { category: facet.value })}
                    aria-current={query.category?.toLowerCase() === facet.value.toLowerCase() ? "true" : undefined}
                  >
                    {facet.value} ({facet.count})
                  </Link>
                </li>
              ))}
            </ul>
            <h2>Price</h2>
            <ul>
              {(query.minPrice !== undefined || query.maxPrice !== undefined) && (
                <li>
                  <Link href={hrefWith(params, { minPrice: null, maxPrice: null })}>Any price</Link>
                </li>
              )}
              {facets.priceRanges.map((range) => (
                <li key={range.min}>
                  <Link
                    href={hrefWith(params, {
                      minPrice: String(range.min),
                      maxPrice: range.max === null ? null : String(range.max - 0.01),
                    })}
                  >
                    {range.max === null ? `${money(range.min)} and up` : `${money(range.min)} to ${money(range.max)}`} (
                    {range.count})
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <ul className="grid" aria-label="Results" aria-busy={loading}>
          {results?.items.map((product) => (
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
      </div>
      {loading && <Loading label="Searching…" />}
      {!loading && results && results.items.length === 0 && <p>No products match. Check the spelling or remove a filter.</p>}
      {results?.nextCursor && !loading && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
