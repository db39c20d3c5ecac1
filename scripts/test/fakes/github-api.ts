// A loopback GitHub REST API with the two endpoints verification reads: GET /users/{login}
// (case-insensitive, answering the canonical login) and GET /orgs/{org}/members/{user}, which, like
// GitHub for a caller outside the org, redirects to /orgs/{org}/public_members/{user} (204 or 404).

import { fixture, send, startFakeServer, type FakeServer } from "./http-server.ts";

export interface FakeGitHubOptions {
  /** lower-case login → fixture file under fixtures/http/github/. */
  readonly accounts: Record<string, string>;
  /** `org/user` pairs (lower-case) of public members. */
  readonly publicMembers?: readonly string[];
  /** Answer every request with this status (rate limits: 403 with X-RateLimit-Remaining: 0). */
  readonly status?: number;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeServer> {
  return startFakeServer((req, res, self) => {
    if (options.status) {
      send(
        res,
        {
          status: options.status,
          headers: { "x-ratelimit-remaining": "0" },
          body: { message: "API rate limit exceeded" },
        },
        self.url,
      );
      return;
    }
    const url = new URL(req.url ?? "/", "http://x");
    const user = /^\/users\/([^/]+)$/.exec(url.pathname);
    if (user) {
      const file = options.accounts[decodeURIComponent(user[1] as string).toLowerCase()];
      send(res, file ? { fixture: `github/${file}` } : { status: 404, fixture: "github/not-found.json" }, self.url);
      return;
    }
    const members = /^\/orgs\/([^/]+)\/members\/([^/]+)$/.exec(url.pathname);
    if (members) {
      res.writeHead(302, { location: `${self.url}/orgs/${members[1]}/public_members/${members[2]}` }).end();
      return;
    }
    const pub = /^\/orgs\/([^/]+)\/public_members\/([^/]+)$/.exec(url.pathname);
    if (pub) {
      const key = `${decodeURIComponent(pub[1] as string)}/${decodeURIComponent(pub[2] as string)}`.toLowerCase();
      if (options.publicMembers?.includes(key)) res.writeHead(204).end();
      else send(res, { status: 404, body: fixture("github/not-found.json") }, self.url);
      return;
    }
    send(res, { status: 404, fixture: "github/not-found.json" }, self.url);
  });
}
