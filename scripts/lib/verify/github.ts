// What GitHub says about accounts and org membership, through @octokit/rest with a configurable base URL.
//
// Org membership is read with GET /orgs/{org}/members/{username}. Without a token (or with a token of
// someone outside the org) GitHub only answers for *public* members (it redirects to
// /orgs/{org}/public_members/{username}). A maintainer who wants private members accepted configures a
// token with `read:org` (classic) or "Organization → Members: read" (fine-grained) of an org member,
// e.g. a GitHub App installed on the orgs concerned; see MAINTAINERS.md.

import { Octokit } from "@octokit/rest";
import type { FetchLike } from "./http.ts";

type AccountOutcome =
  | { readonly kind: "ok"; readonly login: string; readonly id: number; readonly type: string }
  | { readonly kind: "not-found" }
  | { readonly kind: "error"; readonly message: string };

type MembershipOutcome =
  { readonly kind: "member" } | { readonly kind: "not-member" } | { readonly kind: "error"; readonly message: string };

export interface GitHubIdentity {
  /** The account with GitHub's canonical login casing. */
  getAccount(login: string): Promise<AccountOutcome>;
  isOrgMember(org: string, username: string): Promise<MembershipOutcome>;
}

export interface GitHubIdentityOptions {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly userAgent: string;
  /** Optional; with `read:org` private members are visible too. */
  readonly token?: string;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

function describe(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 403 || status === 429)
    return `GitHub API refused the request (status ${status}; rate limit?): ${message}`;
  return status ? `GitHub API status ${status}: ${message}` : `GitHub API unreachable: ${message}`;
}

export function createGitHubIdentity(options: GitHubIdentityOptions): GitHubIdentity {
  const octokit = new Octokit({
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    ...(options.token ? { auth: options.token } : {}),
    request: { fetch: options.fetch },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return {
    async getAccount(login) {
      try {
        const { data } = await octokit.rest.users.getByUsername({ username: login });
        return { kind: "ok", login: data.login, id: data.id, type: data.type };
      } catch (error) {
        return statusOf(error) === 404 ? { kind: "not-found" } : { kind: "error", message: describe(error) };
      }
    },
    async isOrgMember(org, username) {
      try {
        const response = await octokit.rest.orgs.checkMembershipForUser({ org, username });
        return (response.status as number) === 204 ? { kind: "member" } : { kind: "not-member" };
      } catch (error) {
        return statusOf(error) === 404 ? { kind: "not-member" } : { kind: "error", message: describe(error) };
      }
    },
  };
}
