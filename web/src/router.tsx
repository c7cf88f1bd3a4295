import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

// A few lines of history routing: the site has a dozen pages and no need for a router library
// in its first-page bundle.
const listeners = new Set<() => void>();
let moved = false;

/** Whether the user has moved within the site since the page loaded (the first page keeps the
 * browser's own focus order, starting with the skip link). */
export const hasNavigated = () => moved;

const onPopState = () => {
  moved = true;
};

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", onPopState);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

const location = () => window.location.pathname + window.location.search;

export function useLocation(): URL {
  const href = useSyncExternalStore(subscribe, location, location);
  return new URL(href, window.location.origin);
}

export function navigate(to: string, { replace = false } = {}): void {
  moved = true;
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  listeners.forEach((notify) => notify());
  window.scrollTo?.(0, 0);
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={follow} {...rest} />;
}

/** Match "/products/:id" against a path; the parameters come back decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.replace(/\/+$/, "").split("/");
  if (path === "/" && pattern === "/") return {};
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) {
      if (!got[i]) return null;
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** Each page names itself in the title and moves focus to its heading, so screen readers and
 * keyboard users know the page changed. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Shop`;
  }, [title]);
}
