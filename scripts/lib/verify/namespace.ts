// Who may publish (or change the status of) a server under its namespace (UPSTREAM §5):
//   io.github.<login>/*  the PR author is <login>; the name must use GitHub's canonical casing
//   io.github.<org>/*    the PR author is a member of <org>, as GitHub's API reports it
//   <reverse-domain>/*   a signature over the exact bytes of the proven file (server.json or status.yaml),
//                        kept beside it as `<file>.sig`, verifies with a key published as an official
//                        `v=MCPv1; k=…; p=…` record: in DNS TXT at the domain or a parent domain (covers
//                        sub-namespaces, like upstream's `<reverse-domain>.*`), or at
//                        https://<domain>/.well-known/mcp-registry-auth (that exact namespace only).
// The PR author is the identity GitHub authenticated; nothing else in the PR is trusted for identity.

import { check, type CheckResult } from "./check.ts";
import { blockedBy, type Blocklist } from "./blocklist.ts";
import type { TxtLookup } from "./dns.ts";
import type { GitHubIdentity } from "./github.ts";
import { bodyText, describeOutcome, type HttpOutcome } from "./http.ts";
import { sha256Hex } from "../sha256.ts";
import { keyLabel, parseProofRecords, RECORD_PATTERN, verifyBytes, type ProofRecord } from "./keys.ts";

export interface NamespaceDeps {
  readonly github: GitHubIdentity;
  readonly txt: TxtLookup;
  /** GET the well-known proof of a domain (no redirects, small cap). */
  readonly fetchHttpProof: (domain: string) => Promise<HttpOutcome>;
  readonly blocklist: Blocklist;
}

export interface OwnershipClaim {
  /** The file whose change needs the proof (shown in the report). */
  readonly file: string;
  readonly serverName: string;
  /** GitHub login of the PR author. */
  readonly author: string;
  /** For domain namespaces: the exact bytes that were signed, and the `.sig` file's text if present. */
  readonly signed?: { readonly path: string; readonly bytes: Uint8Array; readonly signature: string | undefined };
  /** `publish` or `status` (wording only). */
  readonly action: "publish" | "status";
}

const GITHUB_PREFIX = "io.github.";
const LOGIN = /^[a-zA-Z0-9-]+$/;

export const namespaceOf = (serverName: string): string => serverName.slice(0, Math.max(0, serverName.indexOf("/")));

/** `com.example.api` → `api.example.com` (upstream ReverseString). */
const reverseLabels = (s: string): string => s.split(".").reverse().join(".");

export function checkBlocklist(claim: OwnershipClaim, blocklist: Blocklist): CheckResult | undefined {
  const entry = blockedBy(namespaceOf(claim.serverName), blocklist);
  if (entry === undefined) return undefined;
  return check(
    "namespace",
    claim.file,
    "fail",
    "namespace/blocked",
    `your namespace is blocked. raise an issue at https://github.com/modelcontextprotocol/registry/ if you think this is a mistake (this registry's blocklist entry '${entry}' in scripts/policy/blocklist.yaml; ask the maintainers)`,
    { namespace: namespaceOf(claim.serverName), blockedBy: entry },
  );
}

export async function verifyNamespace(claim: OwnershipClaim, deps: NamespaceDeps): Promise<CheckResult> {
  const blocked = checkBlocklist(claim, deps.blocklist);
  if (blocked) return blocked;
  const namespace = namespaceOf(claim.serverName);
  if (namespace.startsWith(GITHUB_PREFIX))
    return await verifyGitHubNamespace(claim, namespace.slice(GITHUB_PREFIX.length), deps.github);
  return await verifyDomainNamespace(claim, namespace, deps);
}

async function verifyGitHubNamespace(
  claim: OwnershipClaim,
  owner: string,
  github: GitHubIdentity,
): Promise<CheckResult> {
  const result = (
    status: CheckResult["status"],
    code: string,
    message: string,
    evidence: Record<string, unknown> = {},
  ) =>
    check("namespace", claim.file, status, code, message, {
      method: "github",
      namespace: `${GITHUB_PREFIX}${owner}`,
      author: claim.author,
      ...evidence,
    });
  const name = claim.serverName.slice(claim.serverName.indexOf("/") + 1);
  if (!LOGIN.test(owner)) {
    return result(
      "fail",
      "namespace/github-invalid",
      `'${GITHUB_PREFIX}${owner}' is not a GitHub namespace: a GitHub login or org name has only letters, digits and '-'`,
    );
  }
  const account = await github.getAccount(owner);
  if (account.kind === "error")
    return result(
      "error",
      "namespace/github-unavailable",
      `could not look up GitHub account '${owner}': ${account.message}. Try again later`,
    );
  if (account.kind === "not-found")
    return result(
      "fail",
      "namespace/github-unknown",
      `GitHub account '${owner}' does not exist, so nobody can prove '${GITHUB_PREFIX}${owner}/*'`,
    );
  const evidence = { account: account.login, accountId: account.id, accountType: account.type };
  if (account.login !== owner) {
    // GitHub logins are case-insensitive; names here are not (as upstream, issue #689). Say the fix.
    return result(
      "fail",
      "namespace/github-casing",
      `the namespace must use GitHub's canonical casing of '${account.login}': rename the server to '${GITHUB_PREFIX}${account.login}/${name}' (folder servers/${GITHUB_PREFIX}${account.login}/${name}/…)`,
      evidence,
    );
  }
  if (account.login.toLowerCase() === claim.author.toLowerCase()) {
    return result(
      "pass",
      "namespace/github-author",
      `PR author '${claim.author}' is GitHub account '${account.login}'`,
      evidence,
    );
  }
  if (account.type === "Organization") {
    const membership = await github.isOrgMember(account.login, claim.author);
    if (membership.kind === "error")
      return result(
        "error",
        "namespace/github-unavailable",
        `could not check membership of '${claim.author}' in '${account.login}': ${membership.message}. Try again later`,
        evidence,
      );
    if (membership.kind === "member")
      return result(
        "pass",
        "namespace/github-org-member",
        `PR author '${claim.author}' is a member of GitHub organization '${account.login}'`,
        { ...evidence, membership: "member" },
      );
    return result(
      "fail",
      "namespace/not-org-member",
      `You do not have permission to ${claim.action === "publish" ? "publish this server" : "change the status of this server"}. '${claim.author}' is not a (public) member of the GitHub organization '${account.login}'. Make your membership public (github.com/orgs/${account.login}/people), or ask a maintainer: private members are only visible to a token with read:org`,
      { ...evidence, membership: "not-member" },
    );
  }
  return result(
    "fail",
    "namespace/not-owner",
    `You do not have permission to ${claim.action === "publish" ? "publish this server" : "change the status of this server"}. You have permission to publish: ${GITHUB_PREFIX}${claim.author}/*. Attempting to ${claim.action === "publish" ? "publish" : "change"}: ${claim.serverName}`,
    evidence,
  );
}

interface Tried {
  readonly method: "dns" | "http";
  readonly where: string;
  readonly record: ProofRecord;
}

async function verifyDomainNamespace(
  claim: OwnershipClaim,
  namespace: string,
  deps: NamespaceDeps,
): Promise<CheckResult> {
  const domain = reverseLabels(namespace);
  const base = { method: "domain", namespace, domain };
  const result = (
    status: CheckResult["status"],
    code: string,
    message: string,
    evidence: Record<string, unknown> = {},
  ) => check("namespace", claim.file, status, code, message, { ...base, ...evidence });
  if (!namespace.includes("."))
    return result(
      "fail",
      "namespace/invalid-domain",
      `namespace '${namespace}' is not a reverse domain name (e.g. com.example)`,
    );
  const signed = claim.signed;
  if (!signed || signed.signature === undefined) {
    const path = signed?.path ?? claim.file;
    return result(
      "fail",
      "namespace/signature-missing",
      `${namespace} is a domain namespace: prove it with a signature of ${path} by a key published for ${domain}. Run \`npm run sign -- --key <private-key-hex> ${path}\` and commit ${path}.sig`,
    );
  }
  const signature = signed.signature.trim();

  const tried: Tried[] = [];
  const problems: string[] = [];
  const evidenceTried = () =>
    tried.map((t) => ({ method: t.method, where: t.where, key: keyLabel(t.record), record: t.record.text }));

  // DNS: the domain and each parent with at least two labels; a record there covers sub-namespaces.
  const labels = domain.split(".");
  for (let i = 0; i <= labels.length - 2; i++) {
    const name = labels.slice(i).join(".");
    const txt = await deps.txt(name);
    if (txt.kind === "error") {
      problems.push(txt.message);
      continue;
    }
    const records = txt.kind === "ok" ? parseProofRecords(txt.records) : [];
    for (const record of records) {
      tried.push({ method: "dns", where: name, record });
      if (verifyBytes(record, signed.bytes, signature)) {
        return result(
          "pass",
          "namespace/dns-signature",
          `${signed.path} is signed by ${keyLabel(record)}, published in DNS TXT at ${name}`,
          {
            proof: "dns",
            recordName: name,
            record: record.text,
            key: keyLabel(record),
            signedSha256: sha256Hex(signed.bytes),
          },
        );
      }
    }
  }
  // HTTP: only the exact domain, and only that namespace (no sub-namespaces), as upstream.
  const http = await deps.fetchHttpProof(domain);
  if (http.kind === "response" && http.status === 200) {
    const body = bodyText(http.body).trim();
    const records = parseProofRecords([body]);
    for (const record of records) {
      tried.push({ method: "http", where: http.url, record });
      if (verifyBytes(record, signed.bytes, signature)) {
        return result(
          "pass",
          "namespace/http-signature",
          `${signed.path} is signed by ${keyLabel(record)}, published at ${http.url}`,
          {
            proof: "http",
            url: http.url,
            record: record.text,
            key: keyLabel(record),
            signedSha256: sha256Hex(signed.bytes),
          },
        );
      }
    }
  } else if (http.kind !== "response" || http.status === 429 || http.status >= 500) {
    if (http.kind !== "too-large") problems.push(`HTTP proof: ${describeOutcome(http)}`);
  }

  if (tried.length > 0) {
    const keys = [...new Set(tried.map((t) => keyLabel(t.record)))].join(", ");
    return result(
      "fail",
      "namespace/signature-invalid",
      `signature verification failed (tried published key ${keys}); ${signed.path}.sig must be the signature of the exact bytes of ${signed.path}, made with \`npm run sign -- --key <private-key-hex> ${signed.path}\` after the last edit`,
      { tried: evidenceTried() },
    );
  }
  if (problems.length > 0)
    return result(
      "error",
      "namespace/lookup-failed",
      `could not look up the key for ${domain}: ${problems.join("; ")}. Try again later`,
    );

  // Nothing at the domain: a record under a selector is a common mistake; say so as upstream does.
  for (const selector of ["_mcp-auth", "_mcp-registry"]) {
    const name = `${selector}.${domain}`;
    const txt = await deps.txt(name);
    if (txt.kind === "ok" && txt.records.some((r) => RECORD_PATTERN.test(r))) {
      return result(
        "fail",
        "namespace/record-under-selector",
        `no MCPv1 TXT record at "${domain}", but one was found at "${name}" — MCP DNS auth requires the record at the apex domain, not under a selector`,
        { selector: name },
      );
    }
  }
  return result(
    "fail",
    "namespace/no-key",
    `no MCP public key found in DNS TXT records of ${labels.length > 2 ? `${domain} or its parent domains` : domain}, nor at https://${domain}/.well-known/mcp-registry-auth. Publish "v=MCPv1; k=ed25519; p=<public key>" (see \`npm run keygen\`)`,
  );
}
