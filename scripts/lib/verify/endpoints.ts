// Where the outside services are. Defaults are the real services; every address can be replaced (tests
// point them at 127.0.0.1). The lib never reads the environment itself: the CLI passes `process.env`
// to `endpointsFromEnv` and hands the result down.

import { OFFICIAL_BASE_URLS } from "../rules.ts";

export interface Endpoints {
  readonly githubApi: string;
  readonly npm: string;
  readonly pypi: string;
  readonly nuget: string;
  readonly crates: string;
  /** Registry host (as written in image references) → base URL. Hosts not listed use `https://<host>`. */
  readonly oci: Readonly<Record<string, string>>;
  /** `host:port` of a DNS server; undefined = the system resolver. */
  readonly dnsServer?: string;
  /** Template of the HTTP proof URL, `{domain}` replaced. */
  readonly httpProofTemplate: string;
  /** Download host (github.com, gitlab.com, …) → base URL, for MCPB files. */
  readonly downloads: Readonly<Record<string, string>>;
  /** Remote MCP endpoint host → base URL, for the nightly remote health check (absent: none mapped). */
  readonly remotes?: Readonly<Record<string, string>>;
}

/** The exact registryBaseUrl strings the official registry accepts: one list, the rules' (rules.ts). */
export { OFFICIAL_BASE_URLS };

export const DEFAULT_ENDPOINTS: Endpoints = {
  githubApi: "https://api.github.com",
  npm: OFFICIAL_BASE_URLS.npm,
  pypi: OFFICIAL_BASE_URLS.pypi,
  nuget: OFFICIAL_BASE_URLS.nuget,
  crates: OFFICIAL_BASE_URLS.cargo,
  oci: {},
  httpProofTemplate: "https://{domain}/.well-known/mcp-registry-auth",
  downloads: {},
};

export class EndpointConfigError extends Error {}

function parseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EndpointConfigError(`${name}: not a URL: ${JSON.stringify(value)}. Expected e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new EndpointConfigError(`${name}: only http and https URLs are supported, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, "");
}

/** `a=url,b=url` → { a: url, b: url }. */
function parseHostMap(name: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0)
      throw new EndpointConfigError(
        `${name}: expected host=url pairs separated by commas, got ${JSON.stringify(item)}`,
      );
    out[item.slice(0, eq).trim().toLowerCase()] = parseUrl(name, item.slice(eq + 1).trim());
  }
  return out;
}

export function endpointsFromEnv(env: Readonly<Record<string, string | undefined>>): Endpoints {
  const url = (name: string, fallback: string) => (env[name] ? parseUrl(name, env[name] as string) : fallback);
  const dns = env.REGISTRY_DNS_SERVER;
  if (dns !== undefined && dns !== "" && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+)(:\d{1,5})?$/.test(dns)) {
    throw new EndpointConfigError(`REGISTRY_DNS_SERVER: expected host:port, got ${JSON.stringify(dns)}`);
  }
  const template = env.REGISTRY_HTTP_PROOF_URL;
  if (template && !template.includes("{domain}")) {
    throw new EndpointConfigError(
      `REGISTRY_HTTP_PROOF_URL: the template must contain {domain}, got ${JSON.stringify(template)}`,
    );
  }
  return {
    githubApi: url("REGISTRY_GITHUB_API_URL", DEFAULT_ENDPOINTS.githubApi),
    npm: url("REGISTRY_NPM_URL", DEFAULT_ENDPOINTS.npm),
    pypi: url("REGISTRY_PYPI_URL", DEFAULT_ENDPOINTS.pypi),
    nuget: url("REGISTRY_NUGET_URL", DEFAULT_ENDPOINTS.nuget),
    crates: url("REGISTRY_CRATES_URL", DEFAULT_ENDPOINTS.crates),
    oci: parseHostMap("REGISTRY_OCI_ENDPOINTS", env.REGISTRY_OCI_ENDPOINTS),
    ...(dns ? { dnsServer: dns } : {}),
    httpProofTemplate: template || DEFAULT_ENDPOINTS.httpProofTemplate,
    downloads: parseHostMap("REGISTRY_DOWNLOAD_ENDPOINTS", env.REGISTRY_DOWNLOAD_ENDPOINTS),
    remotes: parseHostMap("REGISTRY_REMOTE_ENDPOINTS", env.REGISTRY_REMOTE_ENDPOINTS),
  };
}

/** Replace the scheme and host of `url` by the configured base for its host, if any. */
export function rewriteForEndpoint(url: URL, map: Readonly<Record<string, string>>): string {
  const base = map[url.host.toLowerCase()] ?? map[url.hostname.toLowerCase()];
  if (base === undefined) return url.href;
  return base + url.pathname + url.search;
}
