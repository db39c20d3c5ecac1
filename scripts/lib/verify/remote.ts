// Remotes (UPSTREAM §4.4): type streamable-http or sse, an https URL whose host is not localhost,
// every `{variable}` defined in `variables`, and a URL no other non-deleted server uses. No network.

import { resultFor, type CheckResult } from "./check.ts";
import type { Transport } from "../model.ts";

export interface RemoteCheckInput {
  readonly file: string;
  readonly serverName: string;
  readonly remotes: readonly Transport[];
  /** Remote URL → names of the other non-deleted servers that use it. */
  readonly remoteOwners: ReadonlyMap<string, readonly string[]>;
}

/** The official substitution before parsing a templated URL (IsValidTemplatedURL). */
export function substituteTemplate(url: string): string {
  return url
    .replace(/:\{[^}]*\}/g, ":8080")
    .replace(/\{host\}/g, "example.com")
    .replace(/\{port\}/g, "8080")
    .replace(/\{path\}/g, "api")
    .replace(/\{(?:protocol|scheme)\}/g, "http")
    .replace(/\{[^}]*\}/g, "placeholder");
}

export function templateVariables(url: string): string[] {
  return [...url.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as string);
}

function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h === "127.0.0.1" || h.endsWith(".localhost") || h === "[::1]";
}

export function verifyRemotes(input: RemoteCheckInput): CheckResult[] {
  return input.remotes.map((remote, i) => {
    const pointer = `/remotes/${i}`;
    const result = resultFor("remote", { file: input.file, pointer });
    const url = typeof remote.url === "string" ? remote.url : "";
    const evidence = { url, type: remote.type };
    if (remote.type !== "streamable-http" && remote.type !== "sse") {
      return result("fail", "remote/type", `unsupported transport type for remotes: ${remote.type} (only streamable-http and sse are supported)`, evidence);
    }
    if (url === "") return result("fail", "remote/url-required", `url is required for ${remote.type} transport type`, evidence);
    let parsed: URL | undefined;
    try {
      parsed = new URL(substituteTemplate(url));
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.protocol !== "https:" || parsed.hostname === "" || isLocalHost(parsed.hostname)) {
      return result("fail", "remote/invalid-url", `invalid remote URL: ${url}`, evidence);
    }
    const defined = Object.keys(remote.variables ?? {});
    const undefinedVars = templateVariables(url).filter((v) => !defined.includes(v));
    if (undefinedVars.length > 0) {
      return result(
        "fail",
        "remote/undefined-variables",
        `invalid remote URL: template variables in URL ${url} reference undefined variables. Available variables: [${defined.join(" ")}]`,
        { ...evidence, undefinedVariables: undefinedVars },
      );
    }
    const others = (input.remoteOwners.get(url) ?? []).filter((name) => name !== input.serverName);
    if (others.length > 0) {
      return result("fail", "remote/duplicate-url", `remote URL ${url} is already used by server ${others[0]}`, { ...evidence, usedBy: others });
    }
    return result("pass", "remote/ok", `remote ${url} is https, not local, its variables are defined and no other server uses it`, evidence);
  });
}
