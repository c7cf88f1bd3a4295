import { useEffect, useState, type FormEvent } from "react";
import { api, type ApiError } from "../api";
import { ErrorMessage, Loading, Notice, PageHeading, dateTime } from "../components";
import { asApiError, useLoad } from "../hooks";
import { Link, navigate, usePageTitle } from "../router";
import { getSession, signIn } from "../session";

const PASSWORD_RULE = "8 to 72 characters, with a lower-case and an upper-case letter, a digit and a symbol.";

/** The signed-in user's account: the name, and a password change (which signs out every other
 * device: the API answers a new token for this one). */
export function AccountPage() {
  usePageTitle("Your account");
  const account = useLoad(() => api.me(), []);
  const [edited, setName] = useState<string | null>(null); // null: the name as loaded
  const [nameError, setNameError] = useState<ApiError | null>(null);
  const [nameSaved, setNameSaved] = useState(false);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [passwordError, setPasswordError] = useState<ApiError | null>(null);
  const [passwordSaved, setPasswordSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const name = edited ?? account.data?.name ?? "";

  const rename = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setNameError(null);
    setNameSaved(false);
    try {
      const saved = await api.rename(name);
      account.setData(saved);
      const session = getSession();
      if (session) signIn({ ...session, user: { ...session.user, name: saved.name } });
      setNameSaved(true);
    } catch (failure) {
      setNameError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  const changePassword = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setPasswordError(null);
    setPasswordSaved(false);
    try {
      signIn(await api.changePassword({ currentPassword: current, newPassword: next }));
      setCurrent("");
      setNext("");
      setPasswordSaved(true);
    } catch (failure) {
      setPasswordError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <PageHeading>Your account</PageHeading>
      {account.loading && !account.data && <Loading />}
      <ErrorMessage error={account.error} />
      {account.data && (
        <>
          <dl>
            <dt>Email</dt>
            <dd>{account.data.email}</dd>
            <dt>Member since</dt>
            <dd>{dateTime(account.data.createdAt)}</dd>
          </dl>
          <form onSubmit={rename} aria-labelledby="name-heading">
            <h2 id="name-heading">Name</h2>
            <label>
              Name
              <input name="name" autoComplete="name" required minLength={2} maxLength={50} value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <ErrorMessage error={nameError} />
            {nameSaved && <Notice>Your name is saved.</Notice>}
            <button type="submit" disabled={busy}>
              Save name
            </button>
          </form>
          <form onSubmit={changePassword} aria-labelledby="password-heading">
            <h2 id="password-heading">Password</h2>
            <label>
              Current password
              <input name="currentPassword" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
            </label>
            <label>
              New password
              <input
                name="newPassword"
                type="password"
                autoComplete="new-password"
                required
                aria-describedby="new-password-rule"
                value={next}
                onChange={(e) => setNext(e.target.value)}
              />
            </label>
            <p id="new-password-rule" className="muted">
              {PASSWORD_RULE} Other devices are signed out.
            </p>
            <ErrorMessage error={passwordError} />
            {passwordSaved && <Notice>Your password is changed. Other devices are signed out.</Notice>}
            <button type="submit" disabled={busy}>
              Change password
            </button>
          </form>
        </>
      )}
    </section>
  );
}

/** Asks for a reset link. The API answers the same whether or not the address has an account,
 * and so does this page. */
export function ForgotPasswordPage() {
  usePageTitle("Forgot your password");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.requestPasswordReset(email);
      setSent(true);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <PageHeading>Forgot your password</PageHeading>
      {sent ? (
        <Notice>If {email} has an account, an email with a link to choose a new password is on its way. The link works once, for 30 minutes.</Notice>
      ) : (
        <form onSubmit={submit}>
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Email me a link
          </button>
        </form>
      )}
      <p>
        <Link href="/signin">Back to sign in</Link>
      </p>
    </section>
  );
}

/** The page the reset email links to (`/reset-password?token=...`). The token is taken from the
 * address and the address is replaced at once, so it stays out of the history. */
export function ResetPasswordPage({ token: fromUrl }: { token: string | null }) {
  usePageTitle("Choose a new password");
  const [token] = useState(fromUrl);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (fromUrl) navigate("/reset-password", { replace: true });
  }, [fromUrl]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      await api.resetPassword({ token, password });
      setDone(true);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <section className="narrow">
        <PageHeading>Choose a new password</PageHeading>
        <p>
          This page needs the link from the reset email. <Link href="/forgot-password">Ask for a new link</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <PageHeading>Choose a new password</PageHeading>
      {done ? (
        <Notice>
          Your password is changed, and every device was signed out. <Link href="/signin">Sign in</Link> with the new one.
        </Notice>
      ) : (
        <form onSubmit={submit}>
          <label>
            New password
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              required
              aria-describedby="reset-password-rule"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <p id="reset-password-rule" className="muted">
            {PASSWORD_RULE}
          </p>
          <ErrorMessage error={error} />
          {error?.code === "INVALID_RESET_TOKEN" && (
            <p>
              <Link href="/forgot-password">Ask for a new link</Link>
            </p>
          )}
          <button type="submit" disabled={busy}>
            Set password
          </button>
        </form>
      )}
    </section>
  );
}
