// Static-host conformance of the built tree (issue 2 §3): the same dist/ folder must answer the official
// read paths, as a client of the official API requests them, on
//   (a) GitHub Pages — a faithful emulation (scripts/test/static-hosts/pages-emulator.ts), as a user site at
//       the root and as a project site under /repo/;
//   (b) real plain static servers — `python3 -m http.server` and nginx with Debian's default site config,
//       at the root and under /repo/ (a `repo -> .` symlink in the served folder);
//   (c) the `.json` twins, which must come back as application/json everywhere.
// Bodies are compared with what the official API answers for the same path without query parameters
// (query.ts over the same model); the list is the documented static list (latest versions, no nextCursor).
// Each server is started once for the file.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFICIAL_META_KEY, type ServerResponse } from "./model.ts";
import {
  bodyText,
  createQueryIndex,
  listServers,
  serverVersion,
  serverVersions,
  type MemoryQueryIndex,
} from "./serve/query.ts";
import { writeTree } from "./write.ts";
import {
  buildFixtureRegistry,
  officialValidators,
  PLUS_SERVER,
  PLUS_VERSION,
  type FixtureRegistry,
} from "../test/static-hosts/fixture.ts";
import { startPagesEmulator } from "../test/static-hosts/pages-emulator.ts";
import { findProgram, startNginx, startPythonHttpServer, type RunningHost } from "../test/static-hosts/real-hosts.ts";

const SITE = new Map([
  ["index.html", "<!doctype html><title>registry</title>"],
  ["404.html", "<!doctype html><title>not found</title>"],
  ["docs/index.html", "<!doctype html><title>docs</title>"],
]);

const IN_CI = process.env["CI"] === "true";
const NGINX = findProgram("nginx", ["/usr/sbin/nginx"]);
const PYTHON = findProgram("python3");

let fixture: FixtureRegistry;
let index: MemoryQueryIndex;
let tmp: string;
let dist: string;
const validators = officialValidators();

beforeAll(async () => {
  fixture = await buildFixtureRegistry({ site: SITE });
  index = createQueryIndex(fixture.model);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "static-hosting-"));
  dist = path.join(tmp, "dist");
  writeTree(fixture.tree, dist);
  fs.symlinkSync(".", path.join(dist, "repo")); // the same tree under the sub-path /repo/, for python and nginx
});

afterAll(() => {
  fixture?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// What the official API answers (query.ts), per path without query parameters.

const enc = encodeURIComponent;

/** The static list: what `?version=latest` returns over all pages, as one page without nextCursor. */
function expectedList(): unknown {
  const servers: unknown[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = JSON.parse(
      bodyText(
        listServers(index, { limit: 100, includeDeleted: false, version: "latest", ...(cursor ? { cursor } : {}) }),
      ),
    ) as { servers: unknown[]; metadata: { nextCursor?: string } };
    servers.push(...page.servers);
    if (!page.metadata.nextCursor) break;
    cursor = page.metadata.nextCursor;
  }
  return { servers, metadata: { count: servers.length } };
}

interface Case {
  readonly path: string;
  readonly expected: () => unknown;
  readonly kind: "list" | "one";
}

function officialCases(): Case[] {
  const name = enc(PLUS_SERVER);
  const one =
    (n: string, v: string, deleted = false) =>
    () =>
      JSON.parse(bodyText(serverVersion(index, n, v, deleted))) as unknown;
  const versions = (n: string) => () => JSON.parse(bodyText(serverVersions(index, n, false))) as unknown;
  const cases: Case[] = [];
  for (const prefix of ["v0.1", "v0"]) {
    cases.push(
      { path: `${prefix}/servers`, expected: expectedList, kind: "list" },
      { path: `${prefix}/servers?limit=10&cursor=x`, expected: expectedList, kind: "list" },
      { path: `${prefix}/servers/${name}/versions`, expected: versions(PLUS_SERVER), kind: "list" },
      { path: `${prefix}/servers/${name}/versions/1.0.2`, expected: one(PLUS_SERVER, "1.0.2"), kind: "one" },
      { path: `${prefix}/servers/${name}/versions/latest`, expected: one(PLUS_SERVER, "latest"), kind: "one" },
      {
        path: `${prefix}/servers/${name}/versions/${enc(PLUS_VERSION)}`,
        expected: one(PLUS_SERVER, PLUS_VERSION),
        kind: "one",
      },
    );
  }
  return cases;
}

/** Every server and version of the fixture through its official path (deleted versions keep their file). */
function sweepCases(): Case[] {
  const cases: Case[] = [];
  const names = new Set(fixture.model.versions.map((r) => r.name));
  for (const n of names) {
    const hasLive = fixture.model.versions.some((r) => r.name === n && r.official.status !== "deleted");
    if (hasLive) {
      cases.push({
        path: `v0.1/servers/${enc(n)}/versions`,
        expected: () => JSON.parse(bodyText(serverVersions(index, n, false))) as unknown,
        kind: "list",
      });
      cases.push({
        path: `v0.1/servers/${enc(n)}/versions/latest`,
        expected: () => JSON.parse(bodyText(serverVersion(index, n, "latest", false))) as unknown,
        kind: "one",
      });
    }
  }
  for (const r of fixture.model.versions) {
    cases.push({
      path: `v0.1/servers/${enc(r.name)}/versions/${enc(r.version)}`,
      expected: () => JSON.parse(bodyText(serverVersion(index, r.name, r.version, true))) as unknown,
      kind: "one",
    });
  }
  return cases;
}

/** `.json` twins: each official path + `.json` carries the answer of the official path. */
function twinCases(): Case[] {
  // Twins live under /v0.1 only (build.ts TWIN_PREFIX).
  return officialCases()
    .filter((c) => !c.path.includes("?") && c.path.includes("/v0.1/"))
    .map((c) => ({ ...c, path: `${c.path}.json` }));
}

async function fetchFollow(url: string) {
  const res = await fetch(url, { redirect: "follow" });
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    text: await res.text(),
    headers: res.headers,
    redirected: res.redirected,
  };
}

function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

async function expectCases(base: string, cases: readonly Case[], opts: { json?: boolean } = {}) {
  for (const c of cases) {
    const r = await fetchFollow(base + c.path);
    expect(r.status, `${base}${c.path}: ${r.text.slice(0, 200)}`).toBe(200);
    const body = JSON.parse(r.text) as { metadata?: Record<string, unknown> };
    expect(body, c.path).toEqual(c.expected());
    if (c.kind === "list") {
      validators.serverList(body);
      expect(body.metadata && "nextCursor" in body.metadata, `${c.path} must not carry nextCursor`).toBe(false);
    } else {
      validators.serverResponse(body);
    }
    if (opts.json) expect(mediaType(r.type), `${c.path} content type`).toBe("application/json");
  }
}

async function expectMisses(base: string) {
  for (const p of [
    `v0.1/servers/${enc("io.github.nobody/nothing")}/versions/latest`,
    `v0.1/servers/${enc(PLUS_SERVER)}/versions/9.9.9`,
    `v0.1/servers/${enc(PLUS_SERVER)}/versions/9.9.9.json`,
  ]) {
    expect((await fetchFollow(base + p)).status, p).toBe(404);
  }
}

async function expectExtension(base: string) {
  const r = await fetchFollow(`${base}v0.1/x/io.github.mcp-static-registry/meta.json`);
  expect(r.status).toBe(200);
  expect(mediaType(r.type)).toBe("application/json");
  expect(r.text).toBe(String(fixture.tree.get("v0.1/x/io.github.mcp-static-registry/meta.json")));
}

/** The conformance suite for one host at one base URL. */
function conformance(
  label: string,
  start: () => Promise<{ base: string; host: { close(): Promise<void> } }>,
  opts: { sweep?: boolean } = {},
) {
  describe(label, () => {
    let base = "";
    let host: { close(): Promise<void> } | undefined;
    beforeAll(async () => {
      ({ base, host } = await start());
    });
    afterAll(async () => {
      await host?.close();
    });

    it("answers the official read paths, %2F names and %2B versions included, with the official bodies", async () => {
      await expectCases(base, officialCases());
      await expectMisses(base);
    });
    it("answers every .json twin as application/json with the same body", async () => {
      await expectCases(base, twinCases(), { json: true });
      await expectExtension(base);
    });
    if (opts.sweep) {
      it("answers every server and version of the tree", async () => {
        await expectCases(base, sweepCases());
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// (a) GitHub Pages

conformance(
  "GitHub Pages emulation, user site at /",
  async () => {
    const host = await startPagesEmulator({ root: dist });
    return { base: host.url, host };
  },
  { sweep: true },
);

conformance("GitHub Pages emulation, project site under /repo/", async () => {
  const host = await startPagesEmulator({ root: dist, basePath: "/repo" });
  return { base: host.url, host };
});

describe("the Pages emulation follows STATIC-HOSTING.md", () => {
  let user: Awaited<ReturnType<typeof startPagesEmulator>>;
  let project: Awaited<ReturnType<typeof startPagesEmulator>>;
  beforeAll(async () => {
    user = await startPagesEmulator({ root: dist });
    project = await startPagesEmulator({ root: dist, basePath: "/repo" });
  });
  afterAll(async () => {
    await user.close();
    await project.close();
  });
  const get = (url: string) => fetch(url, { redirect: "manual" });

  it("serves /foo from foo.html without a redirect, even beside a foo/ folder", async () => {
    const r = await get(`${user.url}v0.1/servers`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await r.text()).toBe(String(fixture.tree.get("v0.1/servers.html")));
  });

  it("answers a folder with only index.html with 301 to the slash, and index.html is the only index", async () => {
    const r = await get(`${user.url}docs`);
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("/docs/");
    expect((await get(`${user.url}docs/`)).status).toBe(200);
    expect((await get(`${user.url}v0.1/x/io.github.mcp-static-registry/`)).status).toBe(404);
  });

  it("decodes %XX once: %2F reaches the nested folders, %252F does not", async () => {
    expect((await get(`${user.url}v0.1/servers/${enc(PLUS_SERVER)}/versions/latest`)).status).toBe(200);
    expect((await get(`${user.url}v0.1/servers/${enc(enc(PLUS_SERVER))}/versions/latest`)).status).toBe(404);
  });

  it("ignores the query, types by extension (none → octet-stream), 404.html with 404, Allow-Origin *", async () => {
    const a = await get(`${user.url}v0.1/servers.json?limit=1&cursor=zzz`);
    expect(await a.text()).toBe(String(fixture.tree.get("v0.1/servers.json")));
    expect(a.headers.get("access-control-allow-origin")).toBe("*");
    expect(a.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect((await get(`${user.url}v0.1/servers/${enc(PLUS_SERVER)}/versions/1.0.2`)).headers.get("content-type")).toBe(
      "application/octet-stream",
    );
    const miss = await get(`${user.url}no/such/thing`);
    expect(miss.status).toBe(404);
    expect(await miss.text()).toBe(SITE.get("404.html"));
  });

  it("serves a project site only under its sub-path, /repo answering 301 to /repo/", async () => {
    const origin = new URL(project.url).origin;
    const r = await get(`${origin}/repo`);
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("/repo/");
    expect((await get(`${origin}/v0.1/servers.json`)).status).toBe(404);
    expect((await get(`${origin}/repo/v0.1/servers.json`)).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------------
// (b) Real plain static servers. Missing programs skip locally with a message and fail in CI.

function realHost(
  label: string,
  program: string | null,
  install: string,
  start: (program: string) => Promise<RunningHost>,
) {
  if (program == null && !IN_CI) {
    describe(label, () => {
      // eslint-disable-next-line vitest/no-disabled-tests -- a program missing here shows as a skipped test (CI fails instead)
      it.skip(`${label}: not installed here, skipped (${install}; with CI=true this fails instead)`, () => {});
    });
    return;
  }
  let running: Promise<RunningHost> | undefined;
  const shared = () => {
    if (program == null) throw new Error(`${label} is required in CI: ${install}`);
    running ??= start(program);
    return running;
  };
  afterAll(async () => {
    if (running) await (await running).close();
  });
  const keep = { close: async () => {} }; // stopped once, after both suites
  conformance(`${label} at /`, async () => ({ base: (await shared()).url, host: keep }), { sweep: true });
  conformance(`${label} under /repo/`, async () => ({ base: `${(await shared()).url}repo/`, host: keep }));
}

realHost("python3 -m http.server", PYTHON, "install python3", (python) => startPythonHttpServer(dist, python));
realHost("nginx (Debian default site)", NGINX, "apt-get install nginx-light", (nginx) => startNginx(dist, nginx));

describe("deleted versions on a static host", () => {
  it("keep their own file, marked deleted, while /versions and latest leave them out", () => {
    const deleted = fixture.model.versions.filter((r) => r.official.status === "deleted");
    expect(deleted.length).toBeGreaterThan(0);
    for (const r of deleted) {
      const body = JSON.parse(
        String(fixture.tree.get(`v0.1/servers/${r.name}/versions/${r.version}`)),
      ) as ServerResponse;
      expect(body._meta[OFFICIAL_META_KEY].status).toBe("deleted");
      const list = fixture.tree.get(`v0.1/servers/${r.name}/versions.json`);
      const listed =
        list === undefined
          ? []
          : (JSON.parse(String(list)) as { servers: ServerResponse[] }).servers.map((s) => s.server.version);
      expect(listed).not.toContain(r.version);
    }
  });
});
