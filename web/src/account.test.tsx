import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { AccountPage, ForgotPasswordPage, ResetPasswordPage } from "./pages/Account";
import { getSession, signIn, signOut } from "./session";
import { fail, fakeApi, ok } from "./test-utils";

const ACCOUNT = { id: "u1", email: "ann@example.com", name: "Ann", role: "customer", createdAt: "2026-12-01T10:00:00Z" };

beforeEach(() => {
  sessionStorage.clear();
  signIn({ token: "old-token", user: { userId: "u1", email: "ann@example.com", name: "Ann", role: "customer" } });
  window.history.replaceState(null, "", "/");
});
afterEach(() => {
  cleanup();
  signOut();
});

describe("the account page", () => {
  test("renames, and the header's session takes the new name", async () => {
    const calls = fakeApi({
      "GET /me": ok(ACCOUNT),
      "PUT /me": (init) => ok({ ...ACCOUNT, name: JSON.parse(String(init.body)).name }),
    });
    render(<AccountPage />);
    const name = await screen.findByRole("textbox", { name: "Name" });
    expect(screen.getByText("ann@example.com")).toBeTruthy();
    await userEvent.clear(name);
    await userEvent.type(name, "Ann Smith");
    await userEvent.click(screen.getByRole("button", { name: "Save name" }));
    await screen.findByText("Your name is saved.");
    expect(JSON.parse(String(calls.find((c) => c.method === "PUT")!.init.body))).toEqual({ name: "Ann Smith" });
    expect(getSession()!.user.name).toBe("Ann Smith");
  });

  test("a password change keeps this device signed in with the new token", async () => {
    const calls = fakeApi({
      "GET /me": ok(ACCOUNT),
      "PUT /me/password": ok({ token: "new-token", user: { userId: "u1", email: "ann@example.com", name: "Ann", role: "customer" } }),
    });
    render(<AccountPage />);
    await userEvent.type(await screen.findByLabelText("Current password"), "Old-pass-1!");
    await userEvent.type(screen.getByLabelText("New password"), "New-pass-2!");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    await screen.findByText(/Your password is changed/);
    const sent = calls.find((c) => c.method === "PUT")!;
    expect(JSON.parse(String(sent.init.body))).toEqual({ currentPassword: "Old-pass-1!", newPassword: "New-pass-2!" });
    expect((sent.init.headers as Record<string, string>).Authorization).toBe("Bearer old-token");
    expect(getSession()!.token).toBe("new-token");
    expect((screen.getByLabelText("Current password") as HTMLInputElement).value).toBe("");
  });

  test("a wrong current password shows the API's message and keeps the session", async () => {
    fakeApi({ "GET /me": ok(ACCOUNT), "PUT /me/password": fail(401, "The current password is not right", "UNAUTHORIZED") });
    render(<AccountPage />);
    await userEvent.type(await screen.findByLabelText("Current password"), "Wrong-1!");
    await userEvent.type(screen.getByLabelText("New password"), "New-pass-2!");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect((await screen.findByRole("alert")).textContent).toContain("The current password is not right");
  });
});

describe("forgot and reset password", () => {
  test("asking for a link says the same thing whatever the address", async () => {
    signOut();
    const calls = fakeApi({ "POST /auth/password-reset": { status: 202, body: { success: true, data: { accepted: true } } } });
    render(<ForgotPasswordPage />);
    await userEvent.type(screen.getByLabelText("Email"), "who@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Email me a link" }));
    await screen.findByText(/If who@example.com has an account/);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ email: "who@example.com" });
  });

  test("the reset page takes the token from the link, drops it from the address, and sends it once", async () => {
    signOut();
    window.history.replaceState(null, "", "/reset-password?token=tok-123");
    const calls = fakeApi({ "POST /auth/password-reset/confirm": ok({ passwordReset: true }) });
    render(<ResetPasswordPage token="tok-123" />);
    await waitFor(() => expect(window.location.search).toBe(""));
    await userEvent.type(screen.getByLabelText("New password"), "New-pass-2!");
    await userEvent.click(screen.getByRole("button", { name: "Set password" }));
    await screen.findByText(/Your password is changed/);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ token: "tok-123", password: "New-pass-2!" });
  });

  test("a used or expired link says so and offers a new one", async () => {
    signOut();
    fakeApi({ "POST /auth/password-reset/confirm": fail(400, "This password reset link is used, expired or not valid", "INVALID_RESET_TOKEN") });
    render(<ResetPasswordPage token="old" />);
    await userEvent.type(screen.getByLabelText("New password"), "New-pass-2!");
    await userEvent.click(screen.getByRole("button", { name: "Set password" }));
    expect((await screen.findByRole("alert")).textContent).toContain("used, expired or not valid");
    expect(screen.getByRole("link", { name: "Ask for a new link" })).toBeTruthy();
  });

  test("without a token the page points to the forgot-password page", () => {
    render(<ResetPasswordPage token={null} />);
    expect(screen.getByRole("link", { name: "Ask for a new link" }).getAttribute("href")).toBe("/forgot-password");
  });
});

describe("the order page", () => {
  test("shows a shipped order's tracking, with its link", async () => {
    const { OrderDetail } = await import("./pages/Orders");
    const order = {
      id: "o1",
      userId: "u1",
      status: "shipped",
      items: [{ productId: "p1", name: "Green Tea", price: 4.25, quantity: 1, lineTotal: 4.25 }],
      totalAmount: 4.25,
      shippingAddress: { street: "s", city: "c", state: "st", zipCode: "z", country: "US" },
      tracking: { carrier: "UPS", number: "1Z999", url: "https://www.ups.com/track?n=1Z999" },
      createdAt: "2026-12-01T10:00:00Z",
      updatedAt: "2026-12-02T10:00:00Z",
    };
    fakeApi({ "GET /orders/o1": ok(order) });
    render(<OrderDetail orderId="o1" justPaid={false} />);
    expect(await screen.findByRole("heading", { name: "Tracking" })).toBeTruthy();
    expect((await screen.findByText(/UPS:/)).textContent).toContain("1Z999");
    expect(screen.getByRole("link", { name: /Follow the parcel/ }).getAttribute("href")).toBe("https://www.ups.com/track?n=1Z999");
  });
});
