// npm run bench -- [--quick] [--edge-only] [--keep] [--serve-seconds N] [--dir DIR]
// Speed and size at the official registry's scale (issue 2 §5, issue 6 "Scale", issue 16): generates a
// synthetic, committed servers tree of 20,000 versions over 4,000 servers (and, without --quick, 100,000 over
// 10,000 and 250,000 over 25,000), builds it in a child process (so its peak memory is its own), measures the
// I/O floor right after each build (20k: three builds, alternating with their floors; the median ratio
// counts), the memory slope from 100k to 250k, the local server's list queries, the site's search index, and
// how long a pull request adding one version takes to validate at each size. Prints a table, the targets with
// PASS/MISS, and every figure as one JSON object at the end.
//
// Not a test: the figures depend on the machine. Temporary trees go to the OS temp folder (or --dir, e.g.
// /dev/shm to take a busy disk out of the figures: the I/O floor is measured in the same place) and are
// removed in the background at the end (deleting a million small files is slow on some disks) unless --keep.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepareIndex, search } from "../site/src/search.ts";
import { createRegistryServer, measureServeThroughput } from "./lib/serve/server.ts";
import { gzipSync } from "node:zlib";
import { checks, defineCommand, runCommand, UsageError } from "./lib/cli.ts";
import { measureReadFloor, measureWriteFloor } from "./lib/bench/io-floor.ts";
import type { RegistryModel } from "./lib/model.ts";
import { registryBuildInputs } from "./wiring/build-inputs.ts";
import { buildRegistry, buildRegistryInto, type BuildStage } from "./lib/pipeline.ts";
import { prng, writeSyntheticTree } from "./lib/bench/synthetic.ts";
import { createTreeWriter } from "./lib/write.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SELF = fileURLToPath(import.meta.url);
const GIB = 1024 ** 3;
const PAGES_LIMIT = 1e9; // GitHub Pages: "published sites may be no larger than 1 GB"

/** `runs`: builds of the case, each followed by its I/O floor (build, floor, build, floor, …); the median counts. */
const CASES = [
  { label: "20k", versions: 20_000, servers: 4_000, commits: 4, serve: true, runs: 3 },
  { label: "100k", versions: 100_000, servers: 10_000, commits: 5, serve: false, runs: 1 },
  { label: "250k", versions: 250_000, servers: 25_000, commits: 6, serve: false, runs: 1 },
] as const;

const MIB = 2 ** 20;
const TARGETS = {
  buildMs20k: 10_000,
  buildMs100k: 15_000,
  ratio: 2,
  peakRss100k: 600 * MIB,
  /** Peak RSS growth per version from 100k to 250k, in KiB: memory follows servers, not versions. */
  slopeKiB: 4,
  serveRps: 3_000,
  serveP99Ms: 20,
  searchIndexGz: 1_000_000,
  prValidateMs: 3_000,
};

// ---------------------------------------------------------------------------------------------------------
// The child: one build, its stages, its memory, the I/O floor, and (20k) the server and the search index.

interface ChildResult {
  stagesMs: Record<string, number>;
  buildMs: number;
  writeMs: number;
  peakRssBytes: number;
  versions: number;
  servers: number;
  files: number;
  bytes: number;
  apiFiles: number;
  apiBytes: number;
  siteFiles: number;
  siteBytes: number;
  largestFile: { path: string; bytes: number };
  readFloor: { ms: number; files: number; bytes: number };
  writeFloor: { ms: number; files: number; bytes: number; runsMs: number[] };
  extras: Record<string, string>;
  serve?: unknown;
  search?: unknown;
}

async function child(args: {
  servers: string;
  out: string;
  floor: string;
  serve: boolean;
  serveSeconds: number;
}): Promise<ChildResult> {
  // Built exactly as `npm run build` builds: same inputs, files written as they are made.
  const inputs = await registryBuildInputs(args.servers, REPO);
  const extras: Record<string, string> = { site: "built", "feed+bundle+index": "built" };

  const stagesMs: Record<string, number> = {};
  const t0 = performance.now();
  let last = t0;
  const trace = (stage: BuildStage) => {
    const now = performance.now();
    stagesMs[stage] = now - last;
    last = now;
  };
  // The build writes as it goes, so the write is spread over the stages; time spent inside put() is its own line.
  let writeMs = 0;
  let files = 0;
  let bytes = 0;
  let apiFiles = 0;
  let apiBytes = 0;
  let largest = { path: "", bytes: 0 };
  spawnSync("sync");
  const writer = createTreeWriter(args.out);
  const sink = {
    put(p: string, body: string | Uint8Array) {
      // The writer counts the bytes it encodes: measuring each body again here would add to the build's time.
      const t = performance.now();
      const before = writer.bytes;
      writer.put(p, body);
      writeMs += performance.now() - t;
      const n = writer.bytes - before;
      files++;
      bytes += n;
      if (/^v0(\.1)?\//.test(p)) {
        apiFiles++;
        apiBytes += n;
      }
      if (n > largest.bytes) largest = { path: p, bytes: n };
    },
    // As the build: the writer's thread pins the files it writes (timed in put() and the outputs stage).
    pins: () => writer.pins(),
  };
  const result = await buildRegistryInto({ ...inputs, trace }, sink);
  if (result.kind !== "built")
    throw new Error(
      `the synthetic tree did not validate:\n${result.diagnostics
        .slice(0, 10)
        .map((d) => `${d.file}: ${d.code} ${d.message}`)
        .join("\n")}`,
    );
  const tc = performance.now();
  writer.commit();
  stagesMs["commit"] = performance.now() - tc;
  const buildMs = performance.now() - t0;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  stagesMs["(of which writing)"] = writeMs;

  // The I/O floor, after the build: read the same inputs; write the same files and bytes (read back from the
  // built tree first, untimed) twice into fresh folders, and take the mean.
  spawnSync("sync");
  const readFloor = measureReadFloor(args.servers);
  // The paths are listed from the built tree, not kept while building: the bench must not add to the peak RSS
  // it reports (a list of 380,000 paths at 100k versions is tens of MB).
  const tree = new Map<string, Uint8Array>(
    builtFiles(args.out).map((p) => [p, fs.readFileSync(path.join(args.out, p))]),
  );
  spawnSync("sync");
  const floorA = measureWriteFloor(tree, `${args.floor}-1`);
  // Each copy is removed once timed (untimed): at 250k a copy is over a million files and folders, and three
  // of them with the tree would not fit the inodes of a tmpfs (--dir /dev/shm).
  fs.rmSync(`${args.floor}-1`, { recursive: true });
  spawnSync("sync");
  const floorB = measureWriteFloor(tree, `${args.floor}-2`);
  fs.rmSync(`${args.floor}-2`, { recursive: true });
  const writeFloor = { ...floorB, ms: (floorA.ms + floorB.ms) / 2, runsMs: [floorA.ms, floorB.ms] };
  tree.clear();

  const out: ChildResult = {
    stagesMs,
    buildMs,
    writeMs,
    peakRssBytes,
    versions: result.model.versions.length,
    servers: new Set(result.model.versions.map((v) => v.name)).size,
    files,
    bytes,
    apiFiles,
    apiBytes,
    siteFiles: files - apiFiles,
    siteBytes: bytes - apiBytes,
    largestFile: largest,
    readFloor,
    writeFloor,
    extras,
  };
  if (args.serve) {
    // The local server holds the tree in memory; built again, untimed, after the measurements above.
    // Fresh inputs: the output stage records what it saw (the signed index pins), so it serves one build.
    const built = await buildRegistry(await registryBuildInputs(args.servers, REPO));
    if (built.kind === "built") {
      out.serve = await measureServe(built.model, built.tree, args.serveSeconds);
      out.search = await measureSearch(built.tree);
    }
  }
  return out;
}

/** Every file under `dir` (following the output's symlink), as paths relative to it, sorted. */
function builtFiles(dir: string): string[] {
  const root = fs.realpathSync(dir);
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .sort();
}

async function measureServe(
  model: RegistryModel,
  tree: Map<string, string | Uint8Array>,
  seconds: number,
): Promise<unknown> {
  // The first page and pages after cursors spread over the whole list (the official cursor is name:version).
  const r = prng(42);
  const paths = ["/v0.1/servers?limit=100"];
  for (let i = 0; i < 255; i++) {
    const v = model.versions[Math.floor(r() * model.versions.length)]!;
    paths.push(`/v0.1/servers?limit=100&cursor=${encodeURIComponent(`${v.name}:${v.version}`)}`);
  }
  const server = createRegistryServer({ model, tree });
  const res = await measureServeThroughput({ server, paths, durationMs: seconds * 1000, concurrency: 8 });
  return { status: "measured", concurrency: 8, ...res };
}

async function measureSearch(tree: Map<string, string | Uint8Array>): Promise<unknown> {
  const body = tree.get("assets/search-index.json");
  if (body === undefined) return { status: "n/a (not built yet)" };
  const raw = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  const out: Record<string, unknown> = {
    status: "measured",
    bytes: raw.length,
    gzipBytes: gzipSync(raw, { level: 9 }).length,
  };
  const t0 = performance.now();
  const index = prepareIndex(JSON.parse(raw.toString("utf8")) as Parameters<typeof prepareIndex>[0]);
  const prepareMs = performance.now() - t0;
  const times: number[] = [];
  for (const query of ["weather postgres", "kubernetes", "slack bot mcp", "io.github.acme"]) {
    for (let i = 1; i <= query.length; i++) {
      const t = performance.now();
      search(index, query.slice(0, i));
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  return {
    ...out,
    prepareMs,
    keystrokes: times.length,
    keystrokeP50Ms: times[Math.floor(times.length / 2)]!,
    keystrokeMaxMs: times[times.length - 1]!,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The parent: generate, run the child, validate one added version, print.

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", SELF, "--child", ...args], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH-RESULT "));
      if (code !== 0 || !line) reject(new Error(`the build child failed (exit ${code}):\n${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice("BENCH-RESULT ".length)) as ChildResult);
    });
  });
}

/** `npm run validate -- --servers DIR FILE` for a version a PR adds, timed as a user would see it. */
function timePrValidate(
  serversDir: string,
  extra: { rel: string; body: string },
): { ms: number; exitCode: number | null; output: string } {
  const file = path.join(serversDir, extra.rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, extra.body);
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(REPO, "scripts/validate.ts"), "--servers", serversDir, file],
      { cwd: REPO, encoding: "utf8" },
    );
    const ms = performance.now() - t0;
    return { ms, exitCode: r.status, output: `${r.stdout}${r.stderr}`.trim().split("\n").slice(-3).join("\n") };
  } finally {
    fs.rmSync(path.join(serversDir, extra.rel.split("/").slice(0, 2).join("/")), { recursive: true, force: true });
    fs.rmdirSync(path.join(serversDir, extra.rel.split("/")[0]!), { maxRetries: 0 });
  }
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

interface CaseResult {
  label: string;
  generateMs: number;
  inputFiles: number;
  inputBytes: number;
  /** The run with the median ratio (the only run when there is one). */
  child: ChildResult;
  ratio: number;
  /** build / floor of every run, in the order they ran. */
  ratios: number[];
  prValidate: { ms: number; exitCode: number | null; output: string };
}

const ratioOf = (r: ChildResult) => r.buildMs / (r.readFloor.ms + r.writeFloor.ms);

/** The run whose ratio is the median (of an odd number of runs; the lower middle of an even one). */
function medianRun(runs: readonly ChildResult[]): ChildResult {
  const sorted = [...runs].sort((a, b) => ratioOf(a) - ratioOf(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function printCase(c: CaseResult): void {
  const r = c.child;
  const floorMs = r.readFloor.ms + r.writeFloor.ms;
  const rows: [string, string][] = [
    ["versions / servers", `${r.versions} / ${r.servers}`],
    ["input", `${c.inputFiles} files, ${mb(c.inputBytes)} (generated in ${sec(c.generateMs)}, not counted)`],
    ["full build (load → write)", sec(r.buildMs)],
    ...Object.entries(r.stagesMs).map(([k, v]): [string, string] => [`  ${k}`, sec(v)]),
    [
      "I/O floor (read + write)",
      `${sec(floorMs)} (read ${sec(r.readFloor.ms)}, write ${sec(r.writeFloor.ms)}: mean of ${r.writeFloor.runsMs.map(sec).join(" before, ")} after)`,
    ],
    [
      "build / floor",
      c.ratios.length > 1
        ? `${c.ratio.toFixed(2)} (median of ${c.ratios.map((r) => r.toFixed(2)).join(", ")})`
        : c.ratio.toFixed(2),
    ],
    ["peak memory (RSS)", `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`],
    [
      "files published",
      `${r.files} (${(r.files / r.versions).toFixed(2)} per version; API ${r.apiFiles}, site ${r.siteFiles})`,
    ],
    [
      "bytes published",
      `${mb(r.bytes)} (${(r.bytes / r.versions / 1024).toFixed(1)} KiB per version; API ${mb(r.apiBytes)}, site ${mb(r.siteBytes)})`,
    ],
    ["vs GitHub Pages 1 GB", `${((r.bytes / PAGES_LIMIT) * 100).toFixed(1)} %`],
    ["largest file", `${r.largestFile.path} ${mb(r.largestFile.bytes)}`],
    ["PR adds one version: validate", `${sec(c.prValidate.ms)} (exit ${c.prValidate.exitCode})`],
    ["site / feed+bundle+index", `${r.extras["site"]} / ${r.extras["feed+bundle+index"]}`],
  ];
  process.stdout.write(`\n== ${c.label}: ${r.versions} versions over ${r.servers} servers\n`);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(32)} ${v}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// The edge section (scripts/edge/bench.ts), in its own child per case.

function runEdgeChild(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", SELF, "--edge-child", ...args], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH-EDGE "));
      if (code !== 0 || !line) reject(new Error(`the edge child failed (exit ${code}):\n${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice("BENCH-EDGE ".length)) as Record<string, unknown>);
    });
  });
}

function printEdge(label: string, e: Record<string, unknown>): void {
  process.stdout.write(`[${label}] edge: ${JSON.stringify(e, null, 1).replace(/\n\s*/g, " ")}\n`);
}

async function parent(opts: {
  quick: boolean;
  keep: boolean;
  serveSeconds: number;
  dir: string;
  edgeOnly: boolean;
}): Promise<number> {
  const base = fs.mkdtempSync(path.join(opts.dir, "registry-bench-"));
  process.stdout.write(
    `bench: ${os.cpus().length} cores, ${(os.totalmem() / GIB).toFixed(0)} GiB, node ${process.version}; work folder ${base}\n`,
  );
  const results: CaseResult[] = [];
  const edge: Record<string, unknown> = {};
  try {
    for (const spec of CASES) {
      if (opts.quick && spec.label !== "20k") continue;
      const dir = path.join(base, spec.label);
      process.stdout.write(
        `[${spec.label}] generating ${spec.versions} versions over ${spec.servers} servers in ${spec.commits} commits…\n`,
      );
      const g0 = performance.now();
      const stats = writeSyntheticTree(dir, { versions: spec.versions, servers: spec.servers, commits: spec.commits });
      const generateMs = performance.now() - g0;
      process.stdout.write(`[${spec.label}] edge: index, VS Code search bytes, workerd, one-version deploy…\n`);
      edge[spec.label] = await runEdgeChild([
        "--servers",
        stats.serversDir,
        "--serve-seconds",
        String(opts.serveSeconds),
        ...(spec.serve ? ["--serve"] : ["--deploy"]),
      ]);
      printEdge(spec.label, edge[spec.label] as Record<string, unknown>);
      if (opts.edgeOnly) continue;
      const runs: ChildResult[] = [];
      const count = opts.quick ? 1 : spec.runs;
      for (let run = 1; run <= count; run++) {
        process.stdout.write(`[${spec.label}] building (run ${run} of ${count}, then its I/O floor)…\n`);
        spawnSync("sync");
        runs.push(
          await runChild([
            "--servers",
            stats.serversDir,
            "--out",
            path.join(dir, "dist"),
            "--floor",
            path.join(dir, `floor-run${run}`),
            "--serve-seconds",
            String(opts.serveSeconds),
            ...(spec.serve && run === 1 ? ["--serve"] : []),
          ]),
        );
      }
      const childResult = { ...medianRun(runs), serve: runs[0]!.serve, search: runs[0]!.search };
      process.stdout.write(`[${spec.label}] validating the version a pull request adds…\n`);
      const prValidate = timePrValidate(stats.serversDir, stats.extra);
      const c: CaseResult = {
        label: spec.label,
        generateMs,
        inputFiles: stats.files,
        inputBytes: stats.bytes,
        child: childResult,
        ratio: ratioOf(childResult),
        ratios: runs.map(ratioOf),
        prValidate,
      };
      results.push(c);
      printCase(c);
      // This case's tree and build are done with: removed now (untimed), not at the end, so that the next,
      // bigger case has the disk (or the tmpfs's inodes) to itself.
      if (!opts.keep) fs.rmSync(dir, { recursive: true });
    }
  } finally {
    if (!opts.keep) {
      // Detached: removing a million files can take minutes on a disk mounted with discard.
      // Idle I/O priority where ionice exists, so the clean-up does not slow down whatever runs next.
      const idle = fs.existsSync("/usr/bin/ionice") ? ["ionice", "-c3", "rm"] : ["rm"];
      spawn(idle[0]!, [...idle.slice(1), "-rf", base], { detached: true, stdio: "ignore" }).unref();
    } else process.stdout.write(`kept ${base}\n`);
  }
  if (opts.edgeOnly) {
    process.stdout.write(`EDGE ${JSON.stringify(edge)}\n`);
    return 0;
  }
  process.stdout.write(`EDGE ${JSON.stringify(edge)}\n`);
  return report(results);
}

/** Peak RSS growth per version between two sizes, in KiB. */
function memorySlopeKiB(small: CaseResult | undefined, large: CaseResult | undefined): number | undefined {
  if (!small || !large) return undefined;
  const versions = large.child.versions - small.child.versions;
  return (large.child.peakRssBytes - small.child.peakRssBytes) / 1024 / versions;
}

function report(results: CaseResult[]): number {
  const at = (label: string) => results.find((r) => r.label === label);
  const targets: { name: string; value: string; ok: boolean }[] = [];
  const k20 = at("20k");
  if (k20) {
    const c = k20.child;
    targets.push({ name: "20k build < 10 s (2 cores)", value: sec(c.buildMs), ok: c.buildMs < TARGETS.buildMs20k });
    targets.push({
      name: "20k tree ≤ half of Pages' 1 GB (room to double)",
      value: mb(c.bytes),
      ok: c.bytes <= PAGES_LIMIT / 2,
    });
  }
  if (k20)
    targets.push({
      name: `20k build / I/O floor ≤ 2${k20.ratios.length > 1 ? ` (median of ${k20.ratios.length})` : ""}`,
      value: k20.ratio.toFixed(2),
      ok: k20.ratio <= TARGETS.ratio,
    });
  const k100 = at("100k");
  const k250 = at("250k");
  if (k100) {
    targets.push({
      name: "100k build ≤ 15 s",
      value: sec(k100.child.buildMs),
      ok: k100.child.buildMs <= TARGETS.buildMs100k,
    });
    targets.push({
      name: "100k peak memory ≤ 600 MiB",
      value: `${(k100.child.peakRssBytes / MIB).toFixed(0)} MiB`,
      ok: k100.child.peakRssBytes <= TARGETS.peakRss100k,
    });
  }
  const slope = memorySlopeKiB(k100, k250);
  if (slope !== undefined)
    targets.push({
      name: "peak memory slope 100k → 250k ≤ 4 KiB/version",
      value: `${slope.toFixed(2)} KiB/version`,
      ok: slope <= TARGETS.slopeKiB,
    });
  const serve = k20?.child.serve as
    | { status: string; requestsPerSecond?: number; p99Ms?: number; p50Ms?: number; errors?: number; requests?: number }
    | undefined;
  if (serve) {
    if (serve.status === "measured") {
      process.stdout.write(
        `\n== serve: GET /v0.1/servers?limit=100 with varying cursors, 20k versions, loopback, 8 connections\n`,
      );
      process.stdout.write(
        `requests/s ${serve.requestsPerSecond!.toFixed(0)}   p50 ${serve.p50Ms!.toFixed(2)} ms   p99 ${serve.p99Ms!.toFixed(2)} ms   errors ${serve.errors} of ${serve.requests}\n`,
      );
      targets.push({
        name: "serve ≥ 3,000 req/s",
        value: serve.requestsPerSecond!.toFixed(0),
        ok: serve.requestsPerSecond! >= TARGETS.serveRps && serve.errors === 0,
      });
      targets.push({
        name: "serve p99 < 20 ms",
        value: `${serve.p99Ms!.toFixed(2)} ms`,
        ok: serve.p99Ms! < TARGETS.serveP99Ms,
      });
    } else process.stdout.write(`\n== serve: ${serve.status}\n`);
  }
  const search = k20?.child.search as
    | {
        status: string;
        bytes?: number;
        gzipBytes?: number;
        prepareMs?: number;
        keystrokeP50Ms?: number;
        keystrokeMaxMs?: number;
        keystroke?: string;
      }
    | undefined;
  if (search) {
    if (search.status === "measured") {
      process.stdout.write(`\n== site search index at 20k\n`);
      process.stdout.write(`index ${mb(search.bytes!)}, gzipped ${(search.gzipBytes! / 1e3).toFixed(0)} kB`);
      process.stdout.write(
        search.keystrokeP50Ms === undefined
          ? `; per keystroke ${search.keystroke}\n`
          : `; prepare ${search.prepareMs!.toFixed(0)} ms; per keystroke p50 ${search.keystrokeP50Ms.toFixed(2)} ms, max ${search.keystrokeMaxMs!.toFixed(2)} ms\n`,
      );
      targets.push({
        name: "search index ≤ 1 MB gzipped",
        value: `${(search.gzipBytes! / 1e3).toFixed(0)} kB`,
        ok: search.gzipBytes! <= TARGETS.searchIndexGz,
      });
    } else process.stdout.write(`\n== site search index: ${search.status}\n`);
  }
  if (k100)
    targets.push({ name: "100k tree < 1 GB (Pages)", value: mb(k100.child.bytes), ok: k100.child.bytes < PAGES_LIMIT });
  for (const r of results)
    targets.push({
      name: `${r.label}: PR of one version validates < 3 s`,
      value: sec(r.prValidate.ms),
      ok: r.prValidate.ms < TARGETS.prValidateMs && r.prValidate.exitCode === 0,
    });
  for (const r of results)
    if (r.prValidate.exitCode !== 0)
      process.stdout.write(`\n${r.label}: validate of the added version failed:\n${r.prValidate.output}\n`);

  process.stdout.write(`\n== targets\n`);
  for (const t of targets) process.stdout.write(`${verdict(t.ok)}  ${t.name.padEnd(42)} ${t.value}\n`);

  const json = {
    machine: { cores: os.cpus().length, node: process.version },
    cases: Object.fromEntries(
      results.map((r) => [
        r.label,
        {
          versions: r.child.versions,
          servers: r.child.servers,
          buildMs: Math.round(r.child.buildMs),
          stagesMs: Object.fromEntries(Object.entries(r.child.stagesMs).map(([k, v]) => [k, Math.round(v)])),
          ioFloorMs: Math.round(r.child.readFloor.ms + r.child.writeFloor.ms),
          ratio: Number(r.ratio.toFixed(2)),
          ratios: r.ratios.map((x) => Number(x.toFixed(2))),
          peakRssMiB: Math.round(r.child.peakRssBytes / 2 ** 20),
          files: r.child.files,
          bytes: r.child.bytes,
          filesPerVersion: Number((r.child.files / r.child.versions).toFixed(2)),
          bytesPerVersion: Math.round(r.child.bytes / r.child.versions),
          pagesLimitShare: Number((r.child.bytes / PAGES_LIMIT).toFixed(3)),
          prValidateMs: Math.round(r.prValidate.ms),
          ...(r.child.serve ? { serve: r.child.serve } : {}),
          ...(r.child.search ? { search: r.child.search } : {}),
        },
      ]),
    ),
    ...(slope === undefined ? {} : { memorySlopeKiBPerVersion100kTo250k: Number(slope.toFixed(2)) }),
    targets: Object.fromEntries(targets.map((t) => [t.name, { value: t.value, pass: t.ok }])),
  };
  process.stdout.write(`\n${JSON.stringify(json)}\n`);
  return 0;
}

const command = defineCommand({
  name: "bench",
  usage: "npm run bench -- [--quick] [--edge-only] [--keep] [--serve-seconds N] [--dir DIR]",
  description:
    "Speed and size at the official registry's scale: generates a synthetic tree of 20,000 versions (and, without --quick,\n100,000 and 250,000), builds it (20k: three times, each followed by the I/O floor), measures the memory slope, the local\nserver, the search index and a pull request's validation, and prints a table, the targets with PASS/MISS, and every\nfigure as one JSON object. Not a test: figures depend on the machine.",
  options: {
    quick: { type: "boolean", help: "only the 20k case, built once" },
    "edge-only": { type: "boolean", help: "only the edge section (index, VS Code search bytes, workerd, deploy)" },
    keep: { type: "boolean", help: "keep the temporary trees (their folder is printed)" },
    "serve-seconds": {
      type: "string",
      value: "N",
      default: "5",
      help: "how long the local server is measured",
      check: checks.positive,
    },
    dir: { type: "string", value: "DIR", default: os.tmpdir(), help: "where the temporary trees go (e.g. /dev/shm)" },
    // The build child's plumbing (runChild).
    child: { type: "boolean", hidden: true, help: "run as the build child" },
    servers: { type: "string", value: "DIR", hidden: true, help: "the child's servers tree" },
    out: { type: "string", value: "DIR", hidden: true, help: "the child's output folder" },
    floor: { type: "string", value: "DIR", hidden: true, help: "the child's I/O floor folder prefix" },
    serve: { type: "boolean", hidden: true, help: "the child also measures the server" },
    "edge-child": { type: "boolean", hidden: true, help: "run as the edge child" },
    deploy: { type: "boolean", hidden: true, help: "the edge child also measures a one-version deploy" },
  },
  example: "npm run bench -- --quick --dir /dev/shm",
});

runCommand(command, async ({ values }) => {
  const serveSeconds = Number(values["serve-seconds"]);
  if (values["edge-child"]) {
    if (!values.servers) throw new UsageError("--edge-child needs --servers");
    const { measureEdge } = await import("./edge/bench.ts");
    const result = await measureEdge({
      servers: values.servers,
      serveSeconds,
      workerd: values.serve,
      deploy: values.deploy,
    });
    process.stdout.write(`BENCH-EDGE ${JSON.stringify(result)}\n`);
    return 0;
  }
  if (values.child) {
    if (!values.servers || !values.out || !values.floor)
      throw new UsageError("--child needs --servers, --out and --floor");
    const result = await child({
      servers: values.servers,
      out: values.out,
      floor: values.floor,
      serve: values.serve,
      serveSeconds,
    });
    process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`);
    return 0;
  }
  return parent({
    quick: values.quick,
    keep: values.keep,
    serveSeconds,
    dir: values.dir,
    edgeOnly: values["edge-only"],
  });
});
