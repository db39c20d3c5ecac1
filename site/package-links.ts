// The web page of a package on its registry, for the server page's "Packages" row. Only public registries'
// default hosts get a link (a package with its own registryBaseUrl is a private or mirror registry whose web
// pages we cannot know); the identifier is percent-encoded into the path, so it cannot leave it.

import type { Package } from "../scripts/lib/model.ts";
import { parseOciReference } from "../scripts/lib/rules.ts";

const DEFAULT_BASES: Readonly<Record<string, readonly string[]>> = {
  npm: ["https://registry.npmjs.org"],
  pypi: ["https://pypi.org"],
  nuget: ["https://api.nuget.org/v3/index.json", "https://api.nuget.org"],
  cargo: ["https://crates.io"],
};

const path = (s: string): string => encodeURIComponent(s);
/** One path segment (a slash is encoded), never `.` or `..`. */
const one = (s: string): string | undefined => (s === "." || s === ".." ? undefined : path(s));
/** Path segments a URL keeps as written: `.` and `..` would be resolved away, climbing out of the page's path. */
const segments = (id: string): string | undefined => {
  const parts = id.split("/");
  return parts.some((p) => p === "" || p === "." || p === "..")
    ? undefined
    : parts.map((p) => path(p).replace(/^%40/, "@")).join("/");
};

export interface PackageLink {
  readonly label: string;
  readonly url: string;
}

/** Where a person reads about the package, or undefined when the registry has no page we know. */
export function packagePageLink(pkg: Package): PackageLink | undefined {
  const id = typeof pkg.identifier === "string" ? pkg.identifier : "";
  if (id === "") return undefined;
  const base = typeof pkg.registryBaseUrl === "string" ? pkg.registryBaseUrl.replace(/\/+$/, "") : undefined;
  const type = String(pkg.registryType ?? "");
  if (base !== undefined && !(DEFAULT_BASES[type] ?? []).includes(base)) return undefined;
  switch (type) {
    case "npm": {
      // a scope keeps its slash: /package/@scope/name
      const p = segments(id);
      return p === undefined ? undefined : { label: "npm", url: `https://www.npmjs.com/package/${p}` };
    }
    case "pypi":
      return linkTo("PyPI", "https://pypi.org/project/", one(id), "/");
    case "nuget":
      return linkTo("NuGet", "https://www.nuget.org/packages/", one(id));
    case "cargo":
      return linkTo("crates.io", "https://crates.io/crates/", one(id));
    case "oci":
      return ociLink(id);
    case "mcpb":
      return /^https:\/\//.test(id) ? { label: "MCPB file", url: id } : undefined;
    default:
      return undefined;
  }
}

function linkTo(label: string, base: string, segment: string | undefined, end = ""): PackageLink | undefined {
  return segment === undefined ? undefined : { label, url: `${base}${segment}${end}` };
}

function ociLink(id: string): PackageLink | undefined {
  const parsed = parseOciReference(id);
  if (!parsed.ok) return undefined;
  const { registry, repository } = parsed.ref;
  const repo = segments(repository);
  if (repo === undefined) return undefined;
  if (registry === "index.docker.io") {
    const hub = repository.startsWith("library/") ? `_/${path(repository.slice(8))}` : `r/${repo}`;
    return { label: "Docker Hub", url: `https://hub.docker.com/${hub}` };
  }
  if (registry === "quay.io") return { label: "Quay", url: `https://quay.io/repository/${repo}` };
  // ghcr.io answers a browser's visit to an image with a redirect to the package's page on GitHub.
  if (registry === "ghcr.io") return { label: "GitHub Packages", url: `https://ghcr.io/${repo}` };
  return undefined;
}
