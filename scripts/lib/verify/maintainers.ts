// The maintainers (scripts/policy/maintainers.yaml): GitHub logins whose pull requests may do what only a
// maintainer may do (take down or restore any version, import, edit scripts/policy/). The PR check reads
// the file from the BASE checkout, like the blocklist: a pull request cannot make its author a maintainer.
// Logins compare case-insensitively, as GitHub's do.

import { parse } from "yaml";

export const MAINTAINERS_FILE = "scripts/policy/maintainers.yaml";
export const POLICY_DIR = "scripts/policy/";

export interface Maintainers {
  /** Lower-cased GitHub logins. */
  readonly logins: readonly string[];
}

export type MaintainersParse =
  { readonly kind: "ok"; readonly maintainers: Maintainers } | { readonly kind: "invalid"; readonly reason: string };

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** `maintainers:` with a list of logins or `{ login: …, note: … }` entries. An empty file names nobody. */
export function parseMaintainers(text: string): MaintainersParse {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true });
  } catch (error) {
    return { kind: "invalid", reason: `not YAML: ${(error as Error).message.split("\n")[0]}` };
  }
  if (doc == null) return { kind: "ok", maintainers: { logins: [] } };
  const list = (doc as { maintainers?: unknown }).maintainers;
  if (typeof doc !== "object" || Array.isArray(doc) || (list != null && !Array.isArray(list)))
    return { kind: "invalid", reason: "expected `maintainers:` with a list of GitHub logins" };
  const logins: string[] = [];
  for (const item of (list ?? []) as unknown[]) {
    const login =
      typeof item === "string"
        ? item
        : typeof item === "object" && item != null
          ? (item as { login?: unknown }).login
          : undefined;
    if (typeof login !== "string" || !LOGIN.test(login))
      return { kind: "invalid", reason: `not a GitHub login: ${JSON.stringify(item)}` };
    logins.push(login.toLowerCase());
  }
  return { kind: "ok", maintainers: { logins: [...new Set(logins)] } };
}

export function isMaintainer(login: string, maintainers: Maintainers): boolean {
  return maintainers.logins.includes(login.toLowerCase());
}

/** Who a change to the maintainers file adds and removes (for the reviewers: it must be seen). */
export function maintainersChange(before: Maintainers, after: MaintainersParse): string {
  if (after.kind === "invalid") return `the new file is invalid (${after.reason})`;
  const added = after.maintainers.logins.filter((l) => !before.logins.includes(l));
  const removed = before.logins.filter((l) => !after.maintainers.logins.includes(l));
  const parts = [
    ...(added.length > 0 ? [`adds ${added.join(", ")}`] : []),
    ...(removed.length > 0 ? [`removes ${removed.join(", ")}`] : []),
  ];
  return parts.length > 0 ? parts.join("; ") : "changes no login";
}
