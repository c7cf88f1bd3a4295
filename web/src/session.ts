// The signed-in user: kept in memory and in sessionStorage (gone with the tab), never in
// localStorage, so a token does not outlive the browsing session.
export interface User {
  userId: string;
  email: string;
  name: string;
  role: "customer" | "admin";
}

export interface Session {
  token: string;
  user: User;
}

const KEY = "shop.session";
let current: Session | null = load();
const listeners = new Set<() => void>();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    return typeof parsed?.token === "string" && parsed.user ? parsed : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

export function signIn(session: Session): void {
  current = session;
  sessionStorage.setItem(KEY, JSON.stringify(session));
  listeners.forEach((notify) => notify());
}

export function signOut(): void {
  current = null;
  sessionStorage.removeItem(KEY);
  listeners.forEach((notify) => notify());
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** For tests: read sessionStorage again, as a fresh page load would. */
export function reloadSession(): void {
  current = load();
}
