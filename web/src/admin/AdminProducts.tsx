import { useState } from "react";
import { api, type ApiError, type Product } from "../api";
import { ErrorMessage, Loading, Money, Notice, PageHeading } from "../components";
import { asApiError, usePagedList } from "../hooks";
import { Link, usePageTitle } from "../router";

export default function AdminProducts() {
  usePageTitle("Admin: products");
  const list = usePagedList<Product>((cursor, signal) => api.products({ cursor, limit: 50 }, signal), []);
  const { items: products, loading } = list;
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const error = actionError ?? list.error;

  const remove = async (product: Product) => {
    if (!window.confirm(`Delete “${product.name}”? Orders keep their own copy.`)) return;
    setActionError(null);
    setNotice(null);
    try {
      await api.deleteProduct(product.id);
      list.update((shown) => shown.filter((p) => p.id !== product.id));
      setNotice(`Deleted ${product.name}.`);
    } catch (failure) {
      setActionError(asApiError(failure));
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
              <td data-label="Category">{product.category}</td>
              <td data-label="Price">
                <Money amount={product.price} />
              </td>
              <td data-label="Stock">{product.stock}</td>
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
      {list.hasMore && !loading && (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
