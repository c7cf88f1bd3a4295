/** The storefront's runtime configuration: the API's address, read at start from the
 * `config.json` next to the site (the local server answers it for the site it serves; `make
 * deploy` uploads the stage's), so one build works on any port, stage or domain. */

export interface SiteConfig {
  apiUrl: string;
}

let current: SiteConfig | null = null;

/** The API's address, without a trailing slash. */
export function apiUrl(): string {
  if (!current) throw new Error("The storefront's configuration is not loaded yet.");
  return current.apiUrl;
}

export function setConfig(config: SiteConfig): void {
  current = { apiUrl: config.apiUrl.replace(/\/+$/, "") };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Reads `config.json` beside index.html (never cached: a redeploy may move the API). */
export async function loadConfig(base = import.meta.env.BASE_URL): Promise<SiteConfig> {
  const where = `${base.replace(/\/*$/, "/")}config.json`;
  let body: unknown;
  try {
    const reply = await fetch(where, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!reply.ok) throw new ConfigError(`${where} answered HTTP ${reply.status}.`);
    body = await reply.json();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${where} could not be read (${error instanceof Error ? error.message : String(error)}).`);
  }
  const value = (body as { apiUrl?: unknown } | null)?.apiUrl;
  let parsed: URL | null = null;
  try {
    parsed = typeof value === "string" ? new URL(value) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new ConfigError(`${where} has no valid "apiUrl" (an http or https address).`);
  }
  const config = { apiUrl: String(value).replace(/\/+$/, "") };
  setConfig(config);
  return config;
}
