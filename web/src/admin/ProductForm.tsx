import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, type Product } from "../api";
import { ErrorMessage, Loading, Notice, PageHeading } from "../components";
import { asApiError } from "../hooks";
import { navigate, usePageTitle } from "../router";
import { ImageManager } from "./ImageManager";

interface Draft {
  name: string;
  description: string;
  price: string;
  category: string;
  stock: string;
}

const EMPTY: Draft = { name: "", description: "", price: "", category: "", stock: "0" };

/** A price as an operator types it: "39.90", "39,90", "39", " 1 234,50 " (spaces dropped; one
 * comma or dot before at most two decimals). Anything else is null (not sent: the API would
 * only say "may not be null"); the API still checks the number's range. */
export function parsePrice(text: string): number | null {
  const compact = text.replace(/[\s\u00a0]/g, "");
  if (!/^\d+([.,]\d{1,2})?$/.test(compact)) return null;
  return Number(compact.replace(",", "."));
}

/** The API takes price as a JSON number with at most two decimals. */
export function toBody(draft: Draft, original?: Product): Partial<Product> {
  const body: Partial<Product> = {
    name: draft.name.trim(),
    price: parsePrice(draft.price) ?? undefined,
    category: draft.category.trim(),
    stock: Number(draft.stock),
  };
  if (draft.description.trim() || original?.description) body.description = draft.description.trim();
  if (!original) return body;
  // A PUT sends only what changed.
  const changed: Partial<Product> = {};
  for (const [field, value] of Object.entries(body) as [keyof Product, never][]) {
    if (original[field] !== value) (changed as Record<string, unknown>)[field] = value;
  }
  return changed;
}

export default function ProductForm({ productId }: { productId: string | null }) {
  usePageTitle(productId ? "Admin: edit product" : "Admin: new product");
  const [original, setOriginal] = useState<Product | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [loading, setLoading] = useState(Boolean(productId));
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!productId) return;
    api.product(productId).then(
      (product) => {
        setOriginal(product);
        setDraft({
          name: product.name,
          description: product.description ?? "",
          price: String(product.price),
          category: product.category,
          stock: String(product.stock),
        });
        setLoading(false);
      },
      (failure) => {
        setError(asApiError(failure));
        setLoading(false);
      },
    );
  }, [productId]);

  // "Product created", "Saved.": each says what the last action did, and goes at the next one.
  const [created, setCreated] = useState(() => new URLSearchParams(window.location.search).has("created"));
  const nextAction = () => {
    setNotice(null);
    if (created) {
      setCreated(false);
      window.history.replaceState(window.history.state, "", window.location.pathname); // not again on reload
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    nextAction();
    setError(null);
    if (parsePrice(draft.price) === null) {
      setError(new ApiError("Check the price.", 400, "VALIDATION_ERROR", { price: ["Enter a price such as 39.90 or 39,90."] }));
      return;
    }
    setBusy(true);
    try {
      if (original) {
        const changes = toBody(draft, original);
        if (Object.keys(changes).length === 0) {
          setNotice("Nothing changed.");
        } else {
          setOriginal(await api.updateProduct(original.id, changes));
          setNotice("Saved.");
        }
      } else {
        const created = await api.createProduct(toBody(draft));
        navigate(`/admin/products/${encodeURIComponent(created.id)}?created=1`, { replace: true });
      }
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  if (loading) return <Loading />;
  const field = (name: keyof Draft) => ({
    name,
    value: draft[name],
    onChange: (event: { target: { value: string } }) => {
      nextAction();
      setDraft({ ...draft, [name]: event.target.value });
    },
  });
  return (
    <section className="narrow">
      <PageHeading>{productId ? "Edit product" : "New product"}</PageHeading>
      {created && <Notice>Product created. Add its pictures below.</Notice>}
      {notice && <Notice>{notice}</Notice>}
      {productId && !original ? (
        <ErrorMessage error={error} />
      ) : (
        <form onSubmit={submit}>
          <label>
            Name
            <input required maxLength={200} {...field("name")} />
          </label>
          <label>
            Description
            <textarea maxLength={2000} rows={4} {...field("description")} />
          </label>
          <label>
            Price
            <input required inputMode="decimal" {...field("price")} />
          </label>
          <label>
            Category
            <input required maxLength={50} {...field("category")} />
          </label>
          <label>
            Stock
            <input required type="number" min={0} max={1000000} {...field("stock")} />
          </label>
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            {original ? "Save changes" : "Create product"}
          </button>
        </form>
      )}
      {original && <ImageManager product={original} onChange={setOriginal} onAction={nextAction} />}
    </section>
  );
}
