import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectAccessible, launch, PASSWORD, screenshot, servers, signInOnPage, uniqueEmail, type Browser } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("accounts", () => {
  test("sign up, keep the token in sessionStorage only, sign out, sign in again", async () => {
    const page = await browser.page();
    const email = uniqueEmail();
    await page.goto(`${servers().siteUrl}/signup`);
    await expectAccessible(page, "sign-up page");
    await page.getByLabel("Name").fill("Ada Shopper");
    await page.getByLabel("Email").fill(email);

    // The API's own message for a weak password is shown.
    await page.getByLabel("Password").fill("weakpassword");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/password/i);
    await expectAccessible(page, "sign-up page with an error");
    await screenshot(page, "signup-error");

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    expect(await page.getByText("Ada Shopper").count()).toBe(1);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem("shop.session"),
      local: Object.keys(localStorage).length,
      cookies: document.cookie,
    }));
    expect(JSON.parse(stored.session!).user.email).toBe(email);
    expect(stored.local).toBe(0);
    expect(stored.cookies).toBe("");

    // A reload keeps the session (sessionStorage); signing out ends it.
    await page.reload();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Sign in" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("shop.session"))).toBeNull();

    // Signing up twice with one email shows the API's conflict message.
    await page.goto(`${servers().siteUrl}/signup`);
    await page.getByLabel("Name").fill("Ada Again");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/already/i);

    // A wrong password: the API's 401 message, no session.
    await page.goto(`${servers().siteUrl}/signin`);
    await expectAccessible(page, "sign-in page");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("Wrong-Password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("Invalid credentials");

    await signInOnPage(page, email, PASSWORD);
    await page.close();
  });

  test("a token the API refuses (401) signs the user out", async () => {
    const page = await browser.page();
    await page.goto(`${servers().siteUrl}/signin`);
    await page.evaluate(() =>
      sessionStorage.setItem(
        "shop.session",
        JSON.stringify({ token: "forged.token.value", user: { userId: "u", email: "x@example.com", name: "Forger", role: "customer" } }),
      ),
    );
    await page.goto(`${servers().siteUrl}/orders`);
    // The page asked the API, got a 401, and the session ended: sent to sign in.
    await page.waitForURL(/\/signin\?next=%2Forders$/);
    expect(await page.evaluate(() => sessionStorage.getItem("shop.session"))).toBeNull();
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    await page.close();
  });

  test("pages for signed-in users send a visitor to sign in, and back afterwards", async () => {
    const page = await browser.page();
    await page.goto(`${servers().siteUrl}/cart`);
    await page.waitForURL(/\/signin\?next=%2Fcart$/);
    const email = uniqueEmail();
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Name").fill("Returning Visitor");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${servers().siteUrl}/cart`);
    await page.close();
  });

  test("keyboard only: sign up, find a product by category, open it", async () => {
    const page = await browser.page();
    await page.goto(servers().siteUrl);
    const key = (name: string) => page.keyboard.press(name);
    const tabTo = async (matches: () => Promise<boolean>, limit = 40) => {
      for (let i = 0; i < limit; i++) {
        await key("Tab");
        if (await matches()) return;
      }
      throw new Error("focus never reached the wanted element");
    };
    const focused = () => page.evaluate(() => ({ tag: document.activeElement?.tagName ?? "", text: document.activeElement?.textContent ?? "", label: document.activeElement?.getAttribute("name") ?? "" }));

    // The first Tab reaches the skip link.
    await page.getByRole("list", { name: "Products" }).getByRole("link").first().waitFor();
    await key("Tab");
    expect((await focused()).text).toBe("Skip to content");
    await tabTo(async () => (await focused()).text === "Create account");
    await key("Enter");
    await page.waitForURL(/\/signup$/);
    await tabTo(async () => (await focused()).label === "name");
    await page.keyboard.type("Kay Board");
    await key("Tab");
    await page.keyboard.type(uniqueEmail("keyboard"));
    await key("Tab");
    await page.keyboard.type(PASSWORD);
    await key("Enter"); // submits the form
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    expect(page.url()).toBe(`${servers().siteUrl}/`);

    // Choose a category by typing its name in the list box, submit with Enter, open the first product.
    // (Which categories are listed depends on the newest products; read them, type one.)
    await page.getByRole("list", { name: "Products" }).getByRole("link").first().waitFor();
    // An option reads "Books (6)" (its count from GET /categories); its value is the category.
    const option = page.getByRole("combobox", { name: "Category" }).locator("option").nth(1);
    const wanted = (await option.textContent()) ?? "";
    const value = (await option.getAttribute("value")) ?? "";
    await tabTo(async () => (await focused()).tag === "SELECT");
    // Its first word only: a space typed into a closed list box opens its popup once the type-ahead
    // pauses (a busy machine), and Tab then stays on the list. The first option that matches is it.
    await page.keyboard.type(wanted.split(" ")[0]);
    expect(await page.getByRole("combobox", { name: "Category" }).inputValue()).toBe(value);
    await key("Tab");
    expect((await focused()).text).toBe("Show");
    await key("Enter");
    await page.waitForURL(`${servers().siteUrl}/?category=${encodeURIComponent(value)}`);
    const category = decodeURIComponent(new URL(page.url()).searchParams.get("category")!);
    await page.getByRole("list", { name: "Products" }).getByRole("link").first().waitFor();
    await tabTo(async () => (await focused()).tag === "A" && (await page.evaluate(() => document.activeElement?.closest("ul")?.getAttribute("aria-label"))) === "Products");
    const name = (await focused()).text;
    await key("Enter");
    await page.getByRole("heading", { level: 1, name }).waitFor();
    expect(await page.locator("main .muted").first().textContent()).toBe(category);
    // The new page's heading has focus, so reading starts there.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
    await page.close();
  });
});
