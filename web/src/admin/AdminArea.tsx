import type { OrderStatus } from "../api";
import { PageHeading } from "../components";
import { Link, match } from "../router";
import AdminOrders, { STATUSES } from "./AdminOrders";
import AdminProducts from "./AdminProducts";
import ProductForm from "./ProductForm";

/** The admin pages: loaded only when an admin opens one, so customers never download them. */
export default function AdminArea({ url }: { url: URL }) {
  const path = url.pathname;
  let page;
  if (path === "/admin" || path === "/admin/products") page = <AdminProducts />;
  else if (path === "/admin/products/new") page = <ProductForm productId={null} key="new" />;
  else if (match("/admin/products/:id", path)) {
    const { id } = match("/admin/products/:id", path)!;
    page = <ProductForm productId={id} key={id} />;
  } else if (path === "/admin/orders") {
    const wanted = url.searchParams.get("status") as OrderStatus | null;
    const status = wanted && STATUSES.includes(wanted) ? wanted : "paid";
    page = <AdminOrders status={status} />;
  } else page = <PageHeading>Page not found</PageHeading>;
  return (
    <div className="admin">
      <nav aria-label="Admin">
        <ul className="tabs">
          <li>
            <Link href="/admin/products" aria-current={path.startsWith("/admin/products") || path === "/admin" ? "page" : undefined}>
              Products
            </Link>
          </li>
          <li>
            <Link href="/admin/orders?status=paid" aria-current={path === "/admin/orders" ? "page" : undefined}>
              Orders
            </Link>
          </li>
        </ul>
      </nav>
      {page}
    </div>
  );
}
