// `npm run status`: plan the status.yaml edits for a status change PR (deprecate, delete, restore one
// version or every version of a server). Pure: the versions present and the request in, the file edits
// and advice out; the CLI applies them. server.json files are never touched: a deletion is a status, and
// the data stays.

import { STATUSES, type Status } from "../model.ts";
import { checkStatusSchema } from "../schema.ts";
import { formatStatusYaml, parseStrictYaml, statusOfDoc } from "../status-file.ts";

export interface StatusRequest {
  readonly status: string;
  readonly message?: string;
  readonly name: string;
  /** One version, or undefined with allVersions. */
  readonly version?: string;
  readonly allVersions: boolean;
}

/** A version folder as it is on disk: its version and its current status.yaml text, if any. */
export interface PresentVersion {
  readonly version: string;
  readonly statusText?: string;
}

type FileEdit =
  | { readonly kind: "write"; readonly file: string; readonly content: string }
  | { readonly kind: "remove"; readonly file: string };

export type StatusPlan =
  | { readonly kind: "ok"; readonly edits: FileEdit[]; readonly unchanged: string[]; readonly advice: string[] }
  /** usage: the request itself is wrong (exit 2); otherwise the tree has nothing to change (exit 1). */
  | { readonly kind: "invalid"; readonly reason: string; readonly usage: boolean };

const NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
const isGitHubNamespace = (name: string) => /^io\.github\./i.test(name);

export function planStatusChange(
  request: StatusRequest,
  present: readonly PresentVersion[],
  serversRoot = "servers",
): StatusPlan {
  const bad = (reason: string, usage = true): StatusPlan => ({ kind: "invalid", reason, usage });
  if (!STATUSES.includes(request.status as Status))
    return bad(`--status must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(request.status)}`);
  const status = request.status as Status;
  if (!NAME.test(request.name))
    return bad(
      `${JSON.stringify(request.name)} is not a server name: expected <namespace>/<server>, e.g. io.github.alice/weather`,
    );
  if (request.allVersions === (request.version !== undefined))
    return bad("name one version, or pass --all-versions (not both)");
  if (status === "active" && request.message !== undefined)
    return bad("--message is not allowed with --status active: an active version carries no status message");
  if (request.message !== undefined) {
    const findings = checkStatusSchema({ status, statusMessage: request.message });
    if (findings.length > 0) return bad(`--message: ${findings[0]?.message ?? "invalid"} (1 to 500 characters)`);
  }
  if (present.length === 0)
    return bad(
      `no versions of ${request.name} under ${serversRoot}/${request.name}/: check the name (letter case counts)`,
      false,
    );
  const targets = request.allVersions ? present : present.filter((v) => v.version === request.version);
  if (targets.length === 0) {
    return bad(
      `${request.name} has no version ${JSON.stringify(request.version)}; it has ${present.map((v) => v.version).join(", ")}`,
      false,
    );
  }
  const github = isGitHubNamespace(request.name);
  const edits: FileEdit[] = [];
  const unchanged: string[] = [];
  for (const v of targets) {
    const file = `${serversRoot}/${request.name}/${v.version}/status.yaml`;
    // Active is the absence of a status file; a domain namespace writes it out so the change can be signed.
    const removeIt = status === "active" && github;
    const content = formatStatusYaml(status, request.message);
    if (removeIt) {
      if (v.statusText === undefined) unchanged.push(file);
      else edits.push({ kind: "remove", file }, { kind: "remove", file: `${file}.sig` });
      continue;
    }
    if (v.statusText !== undefined && meansTheSame(v.statusText, status, request.message)) unchanged.push(file);
    else edits.push({ kind: "write", file, content });
  }
  const advice: string[] = [];
  const written = edits.filter((e) => e.kind === "write").map((e) => e.file);
  if (!github && written.length > 0) {
    advice.push(
      `${request.name.split("/")[0]} is a domain namespace: sign each status file with the key in your DNS TXT record (or well-known file):`,
      ...written.map((f) => `  npm run sign -- --key <private-key-hex> ${f}`),
    );
  }
  if (edits.length > 0)
    advice.push(
      "Then commit the status files and open a pull request; `npm run verify -- --base origin/main --author <your-login>` runs the same checks first.",
    );
  if (status === "deleted")
    advice.push(
      "A deleted version disappears from the lists and from latest, but its server.json stays (a tombstone); its version string can never be reused.",
    );
  return { kind: "ok", edits, unchanged, advice };
}

/** An existing status.yaml already says this (whatever its quoting): leave it, and its signature, alone. */
function meansTheSame(text: string, status: Status, message: string | undefined): boolean {
  const parsed = parseStrictYaml(text, "status.yaml");
  if (parsed.kind !== "ok") return false;
  const now = statusOfDoc(parsed.doc);
  return now.status === status && now.statusMessage === message;
}
