import { useState, type FormEvent } from "react";
import { api, type ApiError } from "../api";
import { ErrorMessage, PageHeading } from "../components";
import { asApiError } from "../hooks";
import { signIn } from "../session";
import { Link, navigate, usePageTitle } from "../router";

/** Only a path on this site: never an absolute URL from the query string. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function AuthPage({ mode, next }: { mode: "signin" | "signup"; next: string | null }) {
  const signingUp = mode === "signup";
  usePageTitle(signingUp ? "Create an account" : "Sign in");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = signingUp ? await api.register({ name, email, password }) : await api.login({ email, password });
      signIn(session);
      navigate(safeNext(next));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <PageHeading>{signingUp ? "Create an account" : "Sign in"}</PageHeading>
      <form onSubmit={submit}>
        {signingUp && (
          <label>
            Name
            <input name="name" autoComplete="name" required minLength={2} maxLength={50} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={signingUp ? "new-password" : "current-password"}
            required
            aria-describedby={signingUp ? "password-rule" : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {signingUp && (
          <p id="password-rule" className="muted">
            8 to 72 characters, with a lower-case and an upper-case letter, a digit and a symbol.
          </p>
        )}
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {signingUp ? "Create account" : "Sign in"}
        </button>
      </form>
      <p>
        {signingUp ? (
          <>
            Have an account? <Link href={`/signin${next ? `?next=${encodeURIComponent(next)}` : ""}`}>Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href={`/signup${next ? `?next=${encodeURIComponent(next)}` : ""}`}>Create an account</Link>
          </>
        )}
      </p>
      {!signingUp && (
        <p>
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
      )}
    </section>
  );
}
