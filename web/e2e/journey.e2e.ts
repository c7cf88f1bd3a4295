// Issue 31's "Done when", walked as people would, in one headless Chromium at a phone's 390 px,
// on the storefront `make run` serves itself (the runner's WEB_PORT, its API on a free port that
// is never 3000): the admin puts a product with a picture on sale; a newcomer signs up, forgets
// the password and resets it through the link in the outbox email, changes it on the account
// page, finds the product with a misspelled search, sees its thumbnails and buys it; the admin
// ships it with a tracking number, which the customer sees on the order and in the email.
// Every page visited is checked for sideways scroll and by axe. Nothing is done through the API
// but reading the local outbox (the customer's mailbox).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { acceptDialogs, apiCall, expectSettledPhonePage, launch, PASSWORD, screenshot, servers, uniqueEmail, type Browser } from "./browser";
import { WORK } from "./servers";

const PHONE = { width: 390, height: 844 };
const NEW_PASSWORD = "Reset-Tea-2026!";
const CHANGED_PASSWORD = "Changed-Tea-2026?";

let browser: Browser;
beforeAll(async () => {
  browser = await launch(PHONE);
});
afterAll(async () => {
  await browser?.close();
});

const visited: string[] = [];

/** What every page gets, once it has settled: no sideways scroll at 390 px, and axe. */
async function check(page: Page, name: string): Promise<void> {
  await expectSettledPhonePage(page, name);
  expect(await page.evaluate(() => window.innerWidth), name).toBe(PHONE.width);
  visited.push(name);
}

/** A link of the site's header. */
const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

/** Sign in through the header's link and the form, as a returning user does. */
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await nav(page, "Sign in").click();
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

interface Mail {
  to: string;
  subject: string;
  text: string;
  orderId: string | null;
  eventType: string | null;
}

/** The customer's mailbox: the local outbox (GET /_local/outbox), newest first. */
async function mailbox(email: string): Promise<Mail[]> {
  const reply = await apiCall<Mail[]>("GET", `/_local/outbox?to=${encodeURIComponent(email)}`);
  expect(reply.status).toBe(200);
  return reply.body.data;
}

async function waitForMail(email: string, wanted: (mail: Mail) => boolean): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(async () => (found = (await mailbox(email)).find(wanted)) !== undefined, { timeout: 30_000, message: `no such email to ${email}` })
    .toBe(true);
  return found!;
}

describe("issue 31, done when", () => {
  test("sign up, reset a forgotten password by email, change it, search and buy, see the tracking of the shipped order", async () => {
    const { apiUrl, runSiteUrl: site, adminEmail, adminPassword } = servers();
    expect(new URL(apiUrl).port).not.toBe("3000");
    expect(new URL(site).port).not.toBe("3000");
    const tag = Date.now().toString(36).replace(/\d/g, "");
    const productName = `Brass Samovar ${tag}`;
    const category = `Teaware${tag}`;

    // The admin puts a product on sale, with a picture, through the admin pages.
    const admin = await browser.page();
    const adminAsked = acceptDialogs(admin);
    await admin.goto(site);
    await check(admin, "catalogue");
    await signIn(admin, adminEmail, adminPassword);
    await nav(admin, "Admin").click();
    await admin.getByRole("heading", { level: 1, name: "Products" }).waitFor();
    await admin.getByRole("link", { name: "New product" }).click();
    await admin.getByRole("heading", { level: 1, name: "New product" }).waitFor();
    await check(admin, "new product");
    await admin.getByLabel("Name").fill(productName);
    await admin.getByLabel("Description").fill("Boils three litres of water for a long afternoon of tea.");
    await admin.getByLabel("Price").fill("89,90");
    await admin.getByLabel("Category").fill(category);
    await admin.getByLabel("Stock").fill("5");
    await admin.getByRole("button", { name: "Create product" }).click();
    await admin.getByText("Product created").waitFor();
    const file = path.join(WORK, "samovar.png");
    writeFileSync(file, await admin.screenshot({ clip: { x: 0, y: 0, width: 390, height: 292 } }));
    await admin.getByLabel(/Picture file/).setInputFiles(file);
    await admin.getByRole("button", { name: "Upload picture" }).click();
    const failed = admin.locator("section.images [role=alert]");
    await admin.getByText("Picture ready.").or(failed).waitFor({ timeout: 40_000 });
    expect(await failed.count(), (await failed.allTextContents()).join(" ")).toBe(0);
    await check(admin, "edit product with a picture");

    // A newcomer signs up from the catalogue, then signs out.
    const shopper = await browser.page();
    const email = uniqueEmail("journey");
    await shopper.goto(site);
    await check(shopper, "catalogue (visitor)");
    await nav(shopper, "Create account").click();
    await shopper.getByRole("heading", { level: 1, name: "Create an account" }).waitFor();
    await check(shopper, "sign up");
    await shopper.getByLabel("Name").fill("Nadia Newcomer");
    await shopper.getByLabel("Email").fill(email);
    await shopper.getByLabel("Password").fill(PASSWORD);
    await shopper.getByRole("button", { name: "Create account" }).click();
    await shopper.getByRole("button", { name: "Sign out" }).click();

    // ...and forgets the password: the sign-in page leads to a reset link by email.
    await nav(shopper, "Sign in").click();
    await check(shopper, "sign in");
    await shopper.getByRole("link", { name: "Forgot your password?" }).click();
    await shopper.getByRole("heading", { level: 1, name: "Forgot your password" }).waitFor();
    await check(shopper, "forgot password");
    await shopper.getByLabel("Email").fill(email);
    await shopper.getByRole("button", { name: "Email me a link" }).click();
    await shopper.getByText(`If ${email} has an account, an email with a link`).waitFor();
    await check(shopper, "forgot password, sent");
    const resetMail = await waitForMail(email, (mail) => mail.eventType === "account.password_reset");
    expect(resetMail.subject).toBe("Reset your password");
    // The link goes to this very storefront (make run's port), with the token in it.
    const link = /(https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(resetMail.text)?.[1];
    expect(link, resetMail.text).toBeDefined();
    expect(link!.startsWith(`${site}/reset-password?token=`)).toBe(true);
    await shopper.goto(link!);
    await shopper.getByRole("heading", { level: 1, name: "Choose a new password" }).waitFor();
    // The token leaves the address bar (and the history) at once.
    await shopper.waitForURL(`${site}/reset-password`);
    await check(shopper, "reset password");
    await shopper.getByLabel("New password").fill(NEW_PASSWORD);
    await shopper.getByRole("button", { name: "Set password" }).click();
    await shopper.getByText("Your password is changed, and every device was signed out.").waitFor();
    await check(shopper, "reset password, done");
    // The link works once.
    await shopper.goto(link!);
    await shopper.getByLabel("New password").fill("Another-Tea-2026!");
    await shopper.getByRole("button", { name: "Set password" }).click();
    await shopper.getByRole("alert").waitFor();
    await shopper.getByRole("link", { name: "Ask for a new link" }).waitFor();
    await check(shopper, "reset password, spent link");
    // The old password is gone; the new one signs in.
    await nav(shopper, "Sign in").click();
    await shopper.getByLabel("Email").fill(email);
    await shopper.getByLabel("Password").fill(PASSWORD);
    await shopper.getByRole("button", { name: "Sign in" }).click();
    expect(await shopper.getByRole("alert").textContent()).toContain("Invalid credentials");
    await shopper.getByLabel("Password").fill(NEW_PASSWORD);
    await shopper.getByRole("button", { name: "Sign in" }).click();
    await shopper.getByRole("button", { name: "Sign out" }).waitFor();

    // The account page: change the password again, sign out, sign in with it.
    await nav(shopper, "Account").click();
    await shopper.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
    await shopper.getByText(email).waitFor();
    await check(shopper, "account");
    await shopper.getByLabel("Current password").fill(NEW_PASSWORD);
    await shopper.getByLabel("New password").fill(CHANGED_PASSWORD);
    await shopper.getByRole("button", { name: "Change password" }).click();
    await shopper.getByText("Your password is changed. Other devices are signed out.").waitFor();
    await check(shopper, "account, password changed");
    await screenshot(shopper, "account");
    await shopper.getByRole("button", { name: "Sign out" }).click();
    await signIn(shopper, email, CHANGED_PASSWORD);

    // Search with a typo ("samovr"), see the picture, buy two.
    await shopper.getByRole("searchbox", { name: "Search products" }).fill("samovr");
    await shopper.getByRole("button", { name: "Search", exact: true }).click();
    await shopper.waitForURL(`${site}/search?q=samovr`);
    const result = shopper.getByRole("list", { name: "Results" }).getByRole("listitem").filter({ hasText: productName });
    await result.waitFor({ timeout: 20_000 });
    await check(shopper, "search results");
    const thumb = result.locator(".thumb img");
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await thumb.getAttribute("src")).toMatch(/\.webp($|\?)/);
    await result.evaluate((card) => card.scrollIntoView({ block: "start" }));
    await screenshot(shopper, "search-typo");
    await result.getByRole("link", { name: productName }).click();
    await shopper.getByRole("heading", { level: 1, name: productName }).waitFor();
    const picture = shopper.locator(".gallery img").first();
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await picture.getAttribute("alt")).toBe(`${productName}, picture 1 of 1`);
    expect(await shopper.locator(".price").textContent()).toBe("$89.90");
    await check(shopper, "product");
    await shopper.getByLabel("Quantity").fill("2");
    await shopper.getByRole("button", { name: "Add to cart" }).click();
    await shopper.getByRole("link", { name: "Go to the cart" }).click();
    await shopper.getByRole("heading", { level: 1, name: "Your cart" }).waitFor();
    await expect.poll(() => shopper.locator(".total").textContent()).toBe("2 items, total $179.80");
    await check(shopper, "cart");
    await shopper.getByRole("link", { name: "Check out" }).click();
    await shopper.getByRole("heading", { level: 1, name: "Checkout" }).waitFor();
    await check(shopper, "checkout");
    await shopper.getByLabel("Street").fill("7 Kettle Lane");
    await shopper.getByLabel("City").fill("Brewton");
    await shopper.getByLabel("State or region").fill("BR");
    await shopper.getByLabel("Postal code").fill("10101");
    await shopper.getByLabel("Country").fill("US");
    await shopper.getByRole("button", { name: "Place order" }).click();
    await shopper.waitForURL(/\/orders\/[^/]+\/pay$/);
    const orderId = decodeURIComponent(new URL(shopper.url()).pathname.split("/").at(-2)!);
    await shopper.getByRole("heading", { level: 1, name: "Pay for your order" }).waitFor();
    await check(shopper, "payment");
    await shopper.getByLabel("Visa test card (succeeds)").check();
    await shopper.getByRole("button", { name: /^Pay/ }).click();
    await shopper.waitForURL(`${site}/orders/${orderId}?paid=1`);
    await shopper.getByText("Payment received").waitFor();
    await check(shopper, "order, paid");

    // The admin ships it with a tracking number, from the paid orders.
    await nav(admin, "Admin").click();
    await admin.getByRole("link", { name: "Orders", exact: true }).click();
    await admin.getByRole("link", { name: "paid", exact: true }).click();
    const card = admin.locator(`[data-order-id="${orderId}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain(`2 × ${productName}`);
    // Who to write to, on the card: the customer's name and email as they were at the order.
    expect(await card.textContent()).toContain(`CustomerNadia Newcomer${email}account`);
    expect(await card.getByRole("link", { name: email }).getAttribute("href")).toBe(`mailto:${email}`);
    await check(admin, "admin orders, paid");
    await card.getByRole("button", { name: /Mark shipped/ }).click();
    await card.getByLabel("Carrier").fill("DHL");
    await card.getByLabel("Tracking number").fill("JD014600006281");
    await card.getByLabel(/Tracking link/).fill("https://track.example/JD014600006281");
    await check(admin, "admin orders, ship form");
    await card.getByRole("button", { name: "Ship order" }).click();
    await admin.getByText(`Order ${orderId} is now shipped (DHL JD014600006281).`).waitFor();
    expect(adminAsked).toEqual([expect.stringMatching(/^Mark order \w+ shipped\?[\s\S]*Tracking: DHL JD014600006281$/)]);
    await check(admin, "admin orders, shipped");

    // The customer sees it on the order page and in the email.
    await nav(shopper, "My orders").click();
    await shopper.locator(`tr[data-order-id="${orderId}"]`).waitFor();
    await check(shopper, "my orders");
    await shopper.locator(`tr[data-order-id="${orderId}"]`).getByRole("link").click();
    await shopper.getByRole("heading", { name: "Tracking" }).waitFor();
    expect(await shopper.locator(".history li .badge").allTextContents()).toEqual(["pending", "paid", "shipped"]);
    expect(await shopper.locator(".tracking").textContent()).toContain("DHL: JD014600006281");
    expect(await shopper.getByRole("link", { name: /Follow the parcel/ }).getAttribute("href")).toBe("https://track.example/JD014600006281");
    await check(shopper, "order, shipped");
    await shopper.getByRole("heading", { name: "Shipping to" }).evaluate((heading) => heading.scrollIntoView({ block: "start" }));
    await screenshot(shopper, "order-tracking");
    const shipped = await waitForMail(email, (mail) => mail.orderId === orderId && mail.eventType === "order.shipped");
    expect(shipped.subject).toBe(`Your order has shipped (${orderId.slice(0, 8)})`);
    expect(shipped.text).toContain("Tracking: DHL JD014600006281");
    expect(shipped.text).toContain("Track it at https://track.example/JD014600006281");

    expect(visited.length).toBeGreaterThanOrEqual(20);
    await shopper.close();
    await admin.close();
  }, 240_000); // one long walk, on a machine that may be busy
});
