import { useEffect, useState } from "react";
import { api, type ApiError, type Product } from "../api";
import { ErrorMessage, Loading, Money, Notice, PageHeading } from "../components";
import { asApiError } from "../hooks";
import { Link, usePageTitle } from "../router";

export default function AdminProducts() {
  usePageTitle("Admin: products");
  const [products, setProducts] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async (from: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.products({ cursor: from, limit: 50 });
      setProducts((shown) => (from ? [...shown, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load(null);
  }, []);

  const remove = async (product: Product) => {
    if (!window.confirm(`Delete “${product.name}”? Orders keep their own copy.`)) return;
    setError(null);
    try {
      await api.deleteProduct(product.id);
      setProducts((shown) => shown.filter((p) => p.id !== product.id));
      setNotice(`Deleted ${product.name}.`);
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  return (
    <section>
      <PageHeading>Products</PageHeading>
      <p>
        <Link className="button" href="/admin/products/new">
          New product
        </Link>
      </p>
      {notice && <Notice>{notice}</Notice>}
      <ErrorMessage error={error} />
      <table className="lines">
        <caption className="visually-hidden">Products, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Category</th>
            <th scope="col">Price</th>
            <th scope="col">Stock</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {products.map((product) => (
            <tr key={product.id}>
              <th scope="row">
                <Link href={`/admin/products/${encodeURIComponent(product.id)}`}>{product.name}</Link>
              </th>
              <td>{product.category}</td>
              <td>
                <Money amount={product.price} />
              </td>
              <td>{product.stock}</td>
              <td>
                <button type="button" className="link" onClick={() => remove(product)}>
                  Delete<span className="visually-hidden"> {product.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loading && <Loading />}
      {cursor && !loading && (
        <button type="button" onClick={() => load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
