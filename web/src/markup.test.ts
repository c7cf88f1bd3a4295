import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

// Nothing from the API is ever parsed as HTML: no source file may reach for the APIs that do.
const FORBIDDEN = ["dangerouslySetInnerHTML", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "eval("];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

test("no storefront source uses an HTML-parsing API", () => {
  const files = sources(path.resolve(__dirname));
  expect(files.length).toBeGreaterThan(10);
  const found = files.flatMap((file) => FORBIDDEN.filter((api) => readFileSync(file, "utf8").includes(api)).map((api) => `${path.basename(file)}: ${api}`));
  expect(found).toEqual([]);
});
