import { lazy, Suspense, useEffect } from "react";
import { Loading, PageHeading } from "./components";
import { useSession } from "./hooks";
import { AuthPage } from "./pages/Auth";
import { Catalogue } from "./pages/Catalogue";
import { ProductPage } from "./pages/ProductPage";
import { SearchBox } from "./pages/Search";
import { Link, match, navigate, useLocation } from "./router";
import { signOut } from "./session";

// The first page (the catalogue) ships only what it needs; the rest loads when opened.
const CartPage = lazy(() => import("./pages/CartPage").then((m) => ({ default: m.CartPage })));
const Checkout = lazy(() => import("./pages/Checkout").then((m) => ({ default: m.Checkout })));
const Payment = lazy(() => import("./pages/Payment").then((m) => ({ default: m.Payment })));
const OrderList = lazy(() => import("./pages/Orders").then((m) => ({ default: m.OrderList })));
const OrderDetail = lazy(() => import("./pages/Orders").then((m) => ({ default: m.OrderDetail })));
const AdminArea = lazy(() => import("./admin/AdminArea"));
const SearchPage = lazy(() => import("./pages/Search").then((m) => ({ default: m.SearchPage })));
const AccountPage = lazy(() => import("./pages/Account").then((m) => ({ default: m.AccountPage })));
const ForgotPasswordPage = lazy(() => import("./pages/Account").then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => import("./pages/Account").then((m) => ({ default: m.ResetPasswordPage })));

const SIGNED_IN_ONLY = ["/cart", "/checkout", "/orders", "/admin", "/account"];

export function App() {
  const url = useLocation();
  const session = useSession();
  const path = url.pathname;
  const needsSignIn = !session && SIGNED_IN_ONLY.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

  useEffect(() => {
    // Signed out (or never signed in, or a 401 ended the session) on a private page.
    if (needsSignIn) navigate(`/signin?next=${encodeURIComponent(path + url.search)}`, { replace: true });
  }, [needsSignIn, path, url.search]);

  let page;
  let params: Record<string, string> | null;
  if (needsSignIn) page = null;
  else if (path === "/") page = <Catalogue category={url.searchParams.get("category") ?? ""} key={url.search} />;
  else if ((params = match("/products/:id", path))) page = <ProductPage productId={params.id} key={params.id} />;
  else if (path === "/search") page = <SearchPage params={url.searchParams} />;
  else if (path === "/signin") page = <AuthPage mode="signin" next={url.searchParams.get("next")} key="signin" />;
  else if (path === "/signup") page = <AuthPage mode="signup" next={url.searchParams.get("next")} key="signup" />;
  else if (path === "/forgot-password") page = <ForgotPasswordPage />;
  else if (path === "/reset-password") page = <ResetPasswordPage token={url.searchParams.get("token")} />;
  else if (path === "/account") page = <AccountPage />;
  else if (path === "/cart") page = <CartPage />;
  else if (path === "/checkout") page = <Checkout />;
  else if (path === "/orders") page = <OrderList />;
  else if ((params = match("/orders/:id/pay", path))) page = <Payment orderId={params.id} key={params.id} />;
  else if ((params = match("/orders/:id", path))) page = (
      <OrderDetail orderId={params.id} justPaid={url.searchParams.has("paid")} authenticating={url.searchParams.has("authenticating")} key={params.id} />
    );
  else if (path === "/admin" || path.startsWith("/admin/")) {
    page = session?.user.role === "admin" ? <AdminArea url={url} /> : <PageHeading>Admins only</PageHeading>;
  } else page = <PageHeading>Page not found</PageHeading>;

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="site">
        <Link href="/" className="brand">
          Shop
        </Link>
        <SearchBox />
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/">Catalogue</Link>
            </li>
            {session && (
              <>
                <li>
                  <Link href="/cart">Cart</Link>
                </li>
                <li>
                  <Link href="/orders">My orders</Link>
                </li>
                <li>
                  <Link href="/account">Account</Link>
                </li>
              </>
            )}
            {session?.user.role === "admin" && (
              <li>
                <Link href="/admin/products">Admin</Link>
              </li>
            )}
            {session ? (
              <li>
                <span className="muted">{session.user.name}</span>{" "}
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    signOut();
                    navigate("/");
                  }}
                >
                  Sign out
                </button>
              </li>
            ) : (
              <>
                <li>
                  <Link href="/signin">Sign in</Link>
                </li>
                <li>
                  <Link href="/signup">Create account</Link>
                </li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <main id="main">
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </main>
    </>
  );
}
