// A synthetic servers/ tree at the official registry's scale, for `npm run bench`. Deterministic: the same
// options (seed included) give the same files, byte for byte, and the same git history. Documents look like
// the real ones (the official seed: ~0.6–3 KB each, npm/pypi/oci heavy) and cover every package type, remotes
// with unique URLs per server, semver, prerelease, build-metadata and non-semver versions, and a few
// deprecated and deleted versions. Every document passes the validator (scripts/lib/bench/synthetic.test.ts).

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CURRENT_SCHEMA_URL, PUBLISHER_META_KEY } from "../model.ts";

export interface SyntheticOptions {
  /** Total number of versions (server.json files). */
  readonly versions: number;
  /** Number of servers the versions are spread over (each gets at least one). */
  readonly servers: number;
  readonly seed?: number;
  /**
   * Make `dir` a git repository holding the tree, committed in this many commits (versions spread over
   * them in order, status files in the last). 0 or absent: plain files, no git.
   */
  readonly commits?: number;
}

export interface SyntheticStats {
  /** The servers root: `<dir>/servers`. */
  readonly serversDir: string;
  readonly versions: number;
  readonly servers: number;
  readonly files: number;
  readonly bytes: number;
  readonly deprecated: number;
  readonly deleted: number;
  readonly byType: Readonly<Record<string, number>>;
  /** One version folder a pull request could add (not written): for the incremental validate figure. */
  readonly extra: { readonly rel: string; readonly body: string };
}

/** mulberry32: small, fast, good enough for test data, and the same on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "weather",
  "github",
  "postgres",
  "slack",
  "notion",
  "browser",
  "files",
  "search",
  "memory",
  "calendar",
  "jira",
  "docs",
  "kubernetes",
  "aws",
  "azure",
  "billing",
  "crm",
  "email",
  "maps",
  "finance",
  "stocks",
  "news",
  "vector",
  "graph",
  "sql",
  "redis",
  "mongo",
  "figma",
  "linear",
  "sentry",
  "grafana",
  "terraform",
  "docker",
  "shell",
  "python",
  "rust",
  "pdf",
  "image",
  "audio",
  "video",
  "translate",
  "wiki",
  "sheets",
  "drive",
  "tickets",
  "logs",
  "metrics",
  "alerts",
];
const VERBS = ["Query", "Manage", "Search", "Automate", "Inspect", "Summarise", "Sync", "Monitor", "Explore", "Edit"];
const NOUNS = [
  "records",
  "projects",
  "issues",
  "documents",
  "dashboards",
  "repositories",
  "tables",
  "events",
  "tasks",
  "contacts",
];
const ORGS = [
  "acme",
  "globex",
  "initech",
  "umbrella",
  "hooli",
  "stark",
  "wayne",
  "wonka",
  "cyberdyne",
  "tyrell",
  "aperture",
  "soylent",
];
const TLDS = ["com", "io", "dev", "ai"];

export const PACKAGE_TYPES = ["npm", "pypi", "oci", "nuget", "mcpb", "cargo"] as const;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: Rand, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");

interface ServerPlan {
  readonly namespace: string;
  readonly part: string;
  readonly owner: string;
  readonly kind: (typeof PACKAGE_TYPES)[number] | "remote";
  readonly withRemote: boolean;
  readonly words: readonly string[];
  readonly envCount: number;
  readonly argCount: number;
  readonly withMeta: boolean;
  readonly withIcon: boolean;
}

/**
 * A small count with the shape of the official registry's data (seeds/seed-2025-09-29.json, 358 real
 * servers): most packages have no environment variables or arguments, a long tail has several. Mean ≈ 0.9
 * for both, as there. Sizes drive the benchmark's bytes per version, so they follow the real data.
 */
function fewOf(r: Rand): number {
  return Math.min(7, Math.floor(-Math.log(1 - r() * 0.999) * 0.9));
}

function planServer(r: Rand, i: number): ServerPlan {
  const words = [pick(r, WORDS), pick(r, WORDS)];
  const owner = `${pick(r, ORGS)}${i.toString(36)}`;
  // Two thirds GitHub namespaces, the rest reverse-DNS domains (some with a sub-domain).
  const namespace = r() < 0.66 ? `io.github.${owner}` : `${pick(r, TLDS)}.${owner}${r() < 0.3 ? ".mcp" : ""}`;
  const part = `${words.join("-")}-mcp${r() < 0.2 ? "_server" : ""}`;
  // Roughly the official mix: npm and pypi lead, then oci; every other type present; some remote-only.
  const x = r();
  const kind =
    x < 0.34
      ? "npm"
      : x < 0.6
        ? "pypi"
        : x < 0.75
          ? "oci"
          : x < 0.8
            ? "nuget"
            : x < 0.85
              ? "mcpb"
              : x < 0.9
                ? "cargo"
                : "remote";
  return {
    namespace,
    part,
    owner,
    kind,
    withRemote: kind === "remote" || r() < 0.12,
    words,
    envCount: fewOf(r),
    argCount: fewOf(r),
    withMeta: r() < 0.1,
    withIcon: r() < 0.3,
  };
}

/** Version strings of one server: mostly semver, some prereleases, build metadata and calendar versions. */
function planVersions(r: Rand, count: number): string[] {
  const out: string[] = [];
  const calendar = r() < 0.05;
  let major = int(r, 0, 3);
  let minor = int(r, 0, 9);
  let patch = 0;
  while (out.length < count) {
    if (calendar) {
      out.push(`2025.${String(1 + (out.length % 12)).padStart(2, "0")}.${String(1 + out.length).padStart(2, "0")}`);
      continue;
    }
    const y = r();
    if (y < 0.6) patch++;
    else if (y < 0.9) {
      minor++;
      patch = 0;
    } else {
      major++;
      minor = 0;
      patch = 0;
    }
    const base = `${major}.${minor}.${patch}`;
    const z = r();
    out.push(
      z < 0.06
        ? `${base}-beta.${int(r, 1, 3)}`
        : z < 0.08
          ? `${base}+build.${int(r, 1, 99)}`
          : z < 0.09
            ? `v${base}`
            : base,
    );
  }
  return [...new Set(out)];
}

function envVar(r: Rand, words: readonly string[], j: number) {
  const secret = r() < 0.4;
  return {
    name: `${words[0]!.toUpperCase()}_${secret ? "API_KEY" : pick(r, ["BASE_URL", "REGION", "TIMEOUT", "LOG_LEVEL", "PROFILE"])}${j > 0 ? `_${j}` : ""}`,
    description: secret
      ? `API key for the ${words[0]} service; create one in your account settings.`
      : `Optional ${words[1]} setting (see the README for the accepted values).`,
    isRequired: secret,
    isSecret: secret,
    ...(secret ? {} : { default: pick(r, ["info", "eu-west-1", "30", "default"]) }),
  };
}

function packageOf(r: Rand, p: ServerPlan, version: string): Record<string, unknown> | undefined {
  const pv = version.replace(/^v/, "").replace(/\+.*$/, "");
  const env = Array.from({ length: p.envCount }, (_, j) => envVar(r, p.words, j));
  const args = Array.from({ length: p.argCount }, (_, j) =>
    j === 0
      ? {
          type: "positional",
          valueHint: "directory",
          description: "Directory the server may read.",
          isRequired: false,
          format: "filepath",
        }
      : {
          type: "named",
          name: `--${pick(r, ["port", "mode", "read-only", "profile"])}${j}`,
          description: "Optional flag.",
          isRequired: false,
          default: "1",
        },
  );
  const common = {
    transport: { type: "stdio" },
    ...(args.length ? { packageArguments: args } : {}),
    ...(env.length ? { environmentVariables: env } : {}),
  };
  const id = `${p.words.join("-")}-mcp`;
  switch (p.kind) {
    case "npm":
      return {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: `@${p.owner}/${id}`,
        version: pv,
        runtimeHint: "npx",
        ...common,
      };
    case "pypi":
      return {
        registryType: "pypi",
        registryBaseUrl: "https://pypi.org",
        identifier: `${p.owner}-${id}`,
        version: pv,
        runtimeHint: "uvx",
        ...common,
      };
    case "nuget":
      return {
        registryType: "nuget",
        registryBaseUrl: "https://api.nuget.org/v3/index.json",
        identifier: `${p.owner}.${p.words.join(".")}.Mcp`,
        version: pv,
        runtimeHint: "dnx",
        ...common,
      };
    case "cargo":
      return {
        registryType: "cargo",
        registryBaseUrl: "https://crates.io",
        identifier: `${p.owner}-${id}`,
        version: pv,
        ...common,
      };
    case "oci":
      return {
        registryType: "oci",
        identifier: `${pick(r, ["docker.io", "ghcr.io", "quay.io"])}/${p.owner}/${id}:${pv}`,
        runtimeHint: "docker",
        ...common,
      };
    case "mcpb":
      return {
        registryType: "mcpb",
        identifier: `https://github.com/${p.owner}/${id}/releases/download/v${pv}/${id}.mcpb`,
        fileSha256: hex(r, 64),
        ...common,
      };
    case "remote":
      return undefined;
  }
}

function serverDoc(r: Rand, p: ServerPlan, version: string, serverIndex: number): Record<string, unknown> {
  const pkg = packageOf(r, p, version);
  const remote = p.withRemote
    ? [
        {
          type: r() < 0.8 ? "streamable-http" : "sse",
          // Unique per server (upstream refuses a remote URL another server uses); the same across versions.
          url: `https://mcp.${p.owner}.example.com/s${serverIndex}/${p.part}/mcp`,
          headers: [
            {
              name: "Authorization",
              description: "Bearer token from your dashboard.",
              isRequired: true,
              isSecret: true,
            },
          ],
        },
      ]
    : undefined;
  const repo = `https://github.com/${p.owner}/${p.words.join("-")}-mcp`;
  const doc: Record<string, unknown> = {
    $schema: CURRENT_SCHEMA_URL,
    name: `${p.namespace}/${p.part}`,
    description:
      `${pick(r, VERBS)} ${p.words[0]} ${pick(r, NOUNS)} from your AI assistant, with ${p.words[1]} support.`.slice(
        0,
        100,
      ),
    title: `${p.words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ")} MCP`,
    version,
    ...(r() < 0.5 ? { websiteUrl: `https://${p.owner}.example.com/docs/${p.words[0]}` } : {}),
    repository: {
      url: repo,
      source: "github",
      id: String(100000000 + serverIndex),
      ...(r() < 0.2 ? { subfolder: `packages/${p.words[0]}` } : {}),
    },
  };
  if (p.withIcon)
    doc["icons"] = [
      { src: `https://${p.owner}.example.com/icon.png`, mimeType: "image/png", sizes: ["48x48", "96x96"] },
    ];
  if (pkg) doc["packages"] = [pkg];
  if (remote) doc["remotes"] = remote;
  if (p.withMeta)
    doc["_meta"] = {
      [PUBLISHER_META_KEY]: {
        tool: "publisher-cli",
        version: "1.3.0",
        build_info: { commit: hex(r, 40), timestamp: "2025-09-30T12:00:00Z" },
      },
    };
  return doc;
}

/** How many versions each server gets: between 1 and about 3× the mean, summing exactly to `total`. */
function spread(r: Rand, total: number, servers: number): number[] {
  const counts = Array.from({ length: servers }, () => 1);
  for (let left = total - servers; left > 0; left--) counts[Math.floor(Math.pow(r(), 1.4) * servers)]!++;
  return counts;
}

interface PlannedFile {
  readonly rel: string;
  readonly body: string;
}

/** The files of the tree, in write order (server.json files first, then status.yaml files). */
export function planSyntheticTree(opts: SyntheticOptions): {
  files: PlannedFile[];
  statusFiles: PlannedFile[];
  stats: Omit<SyntheticStats, "serversDir" | "files" | "bytes">;
} {
  if (opts.servers < 1 || opts.versions < opts.servers)
    throw new Error(`synthetic: need versions ≥ servers ≥ 1 (got ${opts.versions}/${opts.servers})`);
  const r = prng(opts.seed ?? 20250929);
  const counts = spread(r, opts.versions, opts.servers);
  const files: PlannedFile[] = [];
  const statusFiles: PlannedFile[] = [];
  const byType: Record<string, number> = {};
  const names = new Set<string>();
  let deprecated = 0;
  let deleted = 0;
  let made = 0;
  for (let i = 0; i < opts.servers; i++) {
    let p = planServer(r, i);
    while (names.has(`${p.namespace}/${p.part}`.toLowerCase())) p = { ...p, part: `${p.part}-${i}` };
    names.add(`${p.namespace}/${p.part}`.toLowerCase());
    let versions = planVersions(r, counts[i]!);
    // planVersions may dedupe; top up with plain patch versions so the total stays exact.
    for (let k = 0; versions.length < counts[i]!; k++) versions = [...new Set([...versions, `9.9.${k}`])];
    for (const [vi, version] of versions.entries()) {
      const doc = serverDoc(r, p, version, i);
      files.push({ rel: `${p.namespace}/${p.part}/${version}/server.json`, body: JSON.stringify(doc, null, 2) + "\n" });
      byType[p.kind] = (byType[p.kind] ?? 0) + 1;
      made++;
      // A few older versions are deprecated, fewer deleted; never the only version of a server.
      const x = r();
      if (vi < versions.length - 1 && x < 0.02) {
        deprecated++;
        statusFiles.push({
          rel: `${p.namespace}/${p.part}/${version}/status.yaml`,
          body: `status: deprecated\nstatusMessage: "Please upgrade to ${versions[versions.length - 1]}"\n`,
        });
      } else if (vi < versions.length - 1 && x < 0.025) {
        deleted++;
        statusFiles.push({
          rel: `${p.namespace}/${p.part}/${version}/status.yaml`,
          body: `status: deleted\nstatusMessage: "Withdrawn: this release was broken."\n`,
        });
      }
    }
  }
  // The version a pull request would add: a new server with a remote, so the remote-URL rule has work to do.
  const prPlan: ServerPlan = {
    ...planServer(r, opts.servers),
    namespace: "io.github.pr-author",
    part: "brand-new-mcp",
    kind: "npm",
    withRemote: true,
  };
  const extraDoc = serverDoc(r, prPlan, "1.0.0", opts.servers);
  return {
    files,
    statusFiles,
    stats: {
      versions: made,
      servers: opts.servers,
      deprecated,
      deleted,
      byType,
      extra: {
        rel: `${prPlan.namespace}/${prPlan.part}/1.0.0/server.json`,
        body: JSON.stringify(extraDoc, null, 2) + "\n",
      },
    },
  };
}

function git(cwd: string, args: string[], input?: string): void {
  const r = spawnSync("git", args, { cwd, input, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr?.toString() ?? ""}`);
}

/**
 * Commit the files in `commits` batches with one `git fast-import` (one pack, no loose objects: seconds
 * instead of minutes for 100k files), at fixed times a day apart, then point the index at HEAD.
 */
function commitWithFastImport(dir: string, batches: readonly (readonly PlannedFile[])[]): void {
  git(dir, ["init", "-q"]);
  const chunks: string[] = [];
  batches.forEach((batch, n) => {
    const when = 1759000000 + n * 86400;
    const message = `synthetic ${n}\n`;
    chunks.push(
      `commit refs/heads/main\ncommitter bench <bench@example.invalid> ${when} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
    );
    for (const f of batch)
      chunks.push(`M 100644 inline servers/${f.rel}\ndata ${Buffer.byteLength(f.body)}\n${f.body}\n`);
    chunks.push("\n");
  });
  git(dir, ["fast-import", "--quiet"], chunks.join(""));
  git(dir, ["symbolic-ref", "HEAD", "refs/heads/main"]);
  git(dir, ["read-tree", "HEAD"]);
}

/** Write the tree under `<dir>/servers` (dir must be empty or absent); commit it when `commits` > 0. */
export function writeSyntheticTree(dir: string, opts: SyntheticOptions): SyntheticStats {
  const { files, statusFiles, stats } = planSyntheticTree(opts);
  const serversDir = path.join(dir, "servers");
  fs.mkdirSync(serversDir, { recursive: true });
  const commits = Math.max(0, Math.floor(opts.commits ?? 0));
  const made = new Set<string>();
  let bytes = 0;
  for (const f of [...files, ...statusFiles]) {
    const d = path.join(serversDir, path.posix.dirname(f.rel));
    if (!made.has(d)) {
      fs.mkdirSync(d, { recursive: true });
      made.add(d);
    }
    fs.writeFileSync(path.join(serversDir, f.rel), f.body);
    bytes += Buffer.byteLength(f.body);
  }
  if (commits > 0) {
    // Versions spread over the commits in order; the status files land with the last one.
    const per = Math.ceil(files.length / commits);
    const batches = Array.from({ length: commits }, (_, c) => files.slice(c * per, (c + 1) * per));
    batches[commits - 1] = [...batches[commits - 1]!, ...statusFiles];
    commitWithFastImport(dir, batches);
  }
  return { serversDir, files: files.length + statusFiles.length, bytes, ...stats };
}
