// A loopback GitHub REST API for the pull-request side of the registry: one repository with pull requests,
// their files, issue comments, labels, merges, workflow dispatches and issues. Stateful, so tests can
// assert what the scripts changed. Real HTTP on 127.0.0.1, answered in GitHub's JSON shapes (the fields
// the scripts read).

import type { IncomingMessage } from "node:http";
import { send, startFakeServer, type FakeServer } from "./http-server.ts";

export interface FakePull {
  number: number;
  state: "open" | "closed";
  headSha: string;
  baseRef: string;
  labels: string[];
  files: { filename: string; status: string; sha?: string }[];
  merged?: { sha: string; method: string };
  /** Who opened it and the base commit (receipts read them). */
  author?: string;
  baseSha?: string;
}

/** A workflow run, for GET /actions/workflows/{file}/runs. */
interface FakeRun {
  id: number;
  workflow: string;
  headSha: string;
  runNumber: number;
  event: string;
  status: string;
}

interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: "Bot" | "User" };
}

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
}

interface FakeContentFile {
  path: string;
  content: string;
  sha: string;
  message?: string;
}

export interface GitHubState {
  pulls: FakePull[];
  comments: FakeComment[];
  issues: FakeIssue[];
  dispatches: { workflow: string; ref: string; inputs?: unknown }[];
  files: Map<string, FakeContentFile>;
  runs: FakeRun[];
  /** Every request, `METHOD /path`. */
  log: string[];
}

export interface FakeGitHubPrApi extends FakeServer {
  readonly state: GitHubState;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export async function startFakeGitHubPrApi(
  owner: string,
  repo: string,
  initial: Partial<GitHubState> = {},
): Promise<FakeGitHubPrApi> {
  const state: GitHubState = {
    pulls: [],
    comments: [],
    issues: [],
    dispatches: [],
    files: new Map(),
    runs: [],
    log: [],
    ...initial,
  };
  let nextId = 1000;
  const prefix = `/repos/${owner}/${repo}`;
  const server = await startFakeServer(async (req, res, self) => {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    state.log.push(`${method} ${url.pathname}`);
    const ok = (body: unknown, status = 200) => send(res, { status, body }, self.url, method);
    const notFound = () => ok({ message: "Not Found" }, 404);
    if (!url.pathname.startsWith(prefix + "/")) return notFound();
    const p = url.pathname.slice(prefix.length);
    const page = Number(url.searchParams.get("page") ?? "1");
    const perPage = Number(url.searchParams.get("per_page") ?? "30");
    const paged = <T>(list: T[]) => {
      const slice = list.slice((page - 1) * perPage, page * perPage);
      if (page * perPage < list.length)
        res.setHeader("link", `<${self.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`);
      return slice;
    };
    const pullOf = (n: string) => state.pulls.find((x) => x.number === Number(n));
    const prJson = (x: FakePull) => ({
      number: x.number,
      state: x.state,
      head: { sha: x.headSha },
      base: { ref: x.baseRef, sha: x.baseSha ?? "b".repeat(40) },
      user: { login: x.author ?? "alice" },
      labels: x.labels.map((name) => ({ name })),
      merged: Boolean(x.merged),
      merged_at: x.merged ? "2026-12-01T00:00:00Z" : null,
      merge_commit_sha: x.merged?.sha ?? null,
    });
    const issueJson = (i: FakeIssue) => ({
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((name) => ({ name })),
    });
    let m: RegExpExecArray | null;

    if ((m = /^\/pulls\/(\d+)$/.exec(p)) && method === "GET") {
      const x = pullOf(m[1] as string);
      return x ? ok(prJson(x)) : notFound();
    }
    if ((m = /^\/pulls\/(\d+)\/files$/.exec(p)) && method === "GET") {
      const x = pullOf(m[1] as string);
      return x ? ok(paged(x.files)) : notFound();
    }
    if ((m = /^\/pulls\/(\d+)\/merge$/.exec(p)) && method === "PUT") {
      const x = pullOf(m[1] as string);
      if (!x) return notFound();
      const body = await bodyOf(req);
      if (body.sha !== x.headSha)
        return ok({ message: "Head branch was modified. Review and try the merge again." }, 409);
      if (x.state !== "open") return ok({ message: "Pull Request is not mergeable" }, 405);
      x.state = "closed";
      x.merged = { sha: `merge-of-${x.headSha.slice(0, 7)}`, method: String(body.merge_method) };
      return ok({ sha: x.merged.sha, merged: true, message: "Pull Request successfully merged" });
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(p))) {
      const issue = Number(m[1]);
      if (method === "GET")
        return ok(
          paged(state.comments.filter((c) => c.issue === issue).map((c) => ({ id: c.id, body: c.body, user: c.user }))),
        );
      if (method === "POST") {
        const c: FakeComment = {
          id: nextId++,
          issue,
          body: String((await bodyOf(req)).body),
          user: { login: "github-actions[bot]", type: "Bot" },
        };
        state.comments.push(c);
        return ok({ id: c.id, body: c.body, user: c.user }, 201);
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(p)) && method === "PATCH") {
      const c = state.comments.find((x) => x.id === Number(m?.[1]));
      if (!c) return notFound();
      if (c.user.type !== "Bot") return ok({ message: "Resource not accessible by integration" }, 403);
      c.body = String((await bodyOf(req)).body);
      return ok({ id: c.id, body: c.body, user: c.user });
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(p)) && method === "POST") {
      const target = pullOf(m[1] as string) ?? state.issues.find((i) => i.number === Number(m?.[1]));
      if (!target) return notFound();
      const labels = (await bodyOf(req)).labels as string[];
      for (const l of labels) if (!target.labels.includes(l)) target.labels.push(l);
      return ok(target.labels.map((name) => ({ name })));
    }
    if ((m = /^\/issues\/(\d+)\/labels\/(.+)$/.exec(p)) && method === "DELETE") {
      const target = pullOf(m[1] as string);
      const name = decodeURIComponent(m[2] as string);
      if (!target || !target.labels.includes(name)) return notFound();
      target.labels = target.labels.filter((l) => l !== name);
      return ok(target.labels.map((n) => ({ name: n })));
    }
    if (p === "/issues" && method === "GET") {
      const wanted = url.searchParams.get("labels");
      const st = url.searchParams.get("state") ?? "open";
      return ok(
        paged(
          state.issues
            .filter(
              (i) =>
                (st === "all" || i.state === st) && (!wanted || wanted.split(",").every((l) => i.labels.includes(l))),
            )
            .map(issueJson),
        ),
      );
    }
    if (p === "/issues" && method === "POST") {
      const body = await bodyOf(req);
      const issue: FakeIssue = {
        number: nextId++,
        title: String(body.title),
        body: String(body.body),
        state: "open",
        labels: (body.labels as string[]) ?? [],
      };
      state.issues.push(issue);
      return ok(issueJson(issue), 201);
    }
    if ((m = /^\/issues\/(\d+)$/.exec(p)) && method === "PATCH") {
      const issue = state.issues.find((i) => i.number === Number(m?.[1]));
      if (!issue) return notFound();
      const body = await bodyOf(req);
      if (typeof body.body === "string") issue.body = body.body;
      if (typeof body.title === "string") issue.title = body.title;
      if (body.state === "open" || body.state === "closed") issue.state = body.state;
      return ok(issueJson(issue));
    }
    if ((m = /^\/actions\/workflows\/([^/]+)\/dispatches$/.exec(p)) && method === "POST") {
      const body = await bodyOf(req);
      state.dispatches.push({
        workflow: decodeURIComponent(m[1] as string),
        ref: String(body.ref),
        ...(body.inputs ? { inputs: body.inputs } : {}),
      });
      res.writeHead(204).end();
      return;
    }
    if ((m = /^\/commits\/([^/]+)\/pulls$/.exec(p)) && method === "GET") {
      const sha = m[1] as string;
      return ok(state.pulls.filter((x) => x.merged?.sha === sha || x.headSha === sha).map(prJson));
    }
    if ((m = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(p)) && method === "GET") {
      const workflow = decodeURIComponent(m[1] as string);
      const q = (k: string) => url.searchParams.get(k);
      const runs = state.runs.filter(
        (r) =>
          r.workflow === workflow &&
          (!q("head_sha") || r.headSha === q("head_sha")) &&
          (!q("event") || r.event === q("event")) &&
          (!q("status") || r.status === q("status")),
      );
      return ok({
        total_count: runs.length,
        workflow_runs: runs.map((r) => ({ id: r.id, head_sha: r.headSha, run_number: r.runNumber, event: r.event })),
      });
    }
    if ((m = /^\/contents\/(.+)$/.exec(p))) {
      const file = decodeURIComponent(m[1] as string);
      if (method === "GET") {
        const f = state.files.get(file);
        return f
          ? ok({
              type: "file",
              path: f.path,
              sha: f.sha,
              encoding: "base64",
              content: Buffer.from(f.content).toString("base64"),
            })
          : notFound();
      }
      if (method === "PUT") {
        const body = await bodyOf(req);
        const existing = state.files.get(file);
        if (existing && body.sha !== existing.sha) return ok({ message: "sha does not match" }, 409);
        const f: FakeContentFile = {
          path: file,
          content: Buffer.from(String(body.content), "base64").toString("utf8"),
          sha: `blob${nextId++}`,
          message: String(body.message),
        };
        state.files.set(file, f);
        return ok({ content: { path: file, sha: f.sha }, commit: { sha: `commit${nextId++}` } }, existing ? 200 : 201);
      }
    }
    return notFound();
  });
  return Object.assign(server, { state });
}
