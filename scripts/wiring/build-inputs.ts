// What `npm run build` and `npm start` build, wired from the environment: the API, the browse site, the mirror
// files, signed when REGISTRY_INDEX_SIGNING_KEY (hex Ed25519 seed) is set.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { fileURLToPath } from "node:url";
import { ExitError } from "../lib/cli.ts";
import { REGISTRY_NAMESPACE } from "../lib/model.ts";
import type { RemoteHealth } from "../lib/verify/remote-health.ts";
import type { BuildInputs, OutputStage } from "../lib/pipeline.ts";
import { HEALTH_REPORT_PATH } from "../lib/verify/reverify.ts";
import { RECEIPTS_ROOT } from "../lib/receipt.ts";
import { escapeJsonText } from "../lib/safe-json.ts";
import { syncFilesFor } from "../lib/mirror/sync-files.ts";
import { buildClientFiles } from "../lib/client-files.ts";
import { emitSite } from "../../site/build.ts";
import { visible } from "../lib/terminal.ts";
import type { GuardedPath } from "../lib/write.ts";

export async function registryBuildInputs(serversDir: string, cwd = process.cwd()): Promise<BuildInputs> {
  requireServersFolder(serversDir, cwd);
  boundHeapGrowth();
  const healthFile = path.resolve(cwd, HEALTH_REPORT_PATH);
  const outputs = withClientFiles(
    withHealthReport(syncOutputs(path.resolve(cwd, serversDir)), path.resolve(cwd, HEALTH_REPORT_PATH)),
  );
  // receipts/ beside servers/ (receipt.ts): committed by the trusted workflow, never by a pull request.
  const receiptsDir = path.resolve(cwd, serversDir, "..", RECEIPTS_ROOT);
  return {
    serversDir,
    cwd,
    sourceDateEpoch: process.env["SOURCE_DATE_EPOCH"],
    extra: (model, history, pool, put) => emitSite(model, put, history, remotesOf(healthFile), pool),
    outputs,
    receiptsDir,
    threads: os.availableParallelism(),
  };
}

/**
 * What `--out` may never replace: the servers folder (nor a folder inside it), the repository it lives in, the
 * repository the working directory is in, and this code's own checkout; nor any parent of these.
 */
export function outputGuards(serversDir: string, cwd = process.cwd()): GuardedPath[] {
  const servers = path.resolve(cwd, serversDir);
  const guards: GuardedPath[] = [{ path: servers, what: "the servers folder", andInside: true }];
  for (const from of [servers, cwd, fileURLToPath(new URL("..", import.meta.url))]) {
    const root = repositoryRoot(from);
    if (root !== undefined && !guards.some((g) => g.path === root))
      guards.push({ path: root, what: "a repository root" });
  }
  return guards;
}

/** The nearest folder at or above `from` that holds `.git` (a folder, or a file in a worktree). */
function repositoryRoot(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ".git"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * How far V8 lets the heap grow past what survived its last full collection before it collects again. By
 * default it lets it reach about 3 times (more for a heap that collects fast), and a build keeps ~4 KB per
 * version alive while it turns over gigabytes of short-lived text (documents, pages), so at 100,000 versions
 * most of the peak RSS was garbage not yet collected: 1.2-1.5 GB for 0.3-0.4 GB alive, three runs of the same
 * code. Growing by half instead held the peak to 0.86-0.89 GB, for 9 more full collections (+0.8 s of the
 * main thread's 37 s, measured with --trace-gc); at 20,000 versions 501 MB became 435 MB for +0.3 s. V8 reads
 * the flag at each collection, so setting it once the process runs takes effect; it is process-wide, which is
 * why only the build's wiring (every entry point that builds a registry) sets it.
 */
function boundHeapGrowth(): void {
  v8.setFlagsFromString("--heap-growing-percent=50");
}

/**
 * A missing servers folder is a mistake (a typo in --servers, the wrong working directory), not an empty
 * registry: building 0 versions from it would publish an empty API over the real one.
 */
function requireServersFolder(serversDir: string, cwd: string): void {
  const stat = fs.statSync(path.resolve(cwd, serversDir), { throwIfNoEntry: false });
  const shown = visible(serversDir);
  if (stat === undefined)
    throw new ExitError(
      `--servers ${shown}: no such folder. Run from a registry checkout, or pass the folder that holds <namespace>/<server>/<version>/server.json (default: servers).`,
    );
  if (!stat.isDirectory())
    throw new ExitError(
      `--servers ${shown}: not a folder. Pass the folder that holds <namespace>/<server>/<version>/server.json (default: servers).`,
    );
}

/** The nightly re-verification's committed report, published beside the other extension files when present. */
function withHealthReport(stage: OutputStage, file: string): OutputStage {
  return {
    ...stage,
    async build(model, history) {
      const out = await stage.build(model, history);
      // The report quotes upstream and PR text: published HTML-escaped like every JSON file (the same value).
      if (fs.existsSync(file))
        out.files.set(`v0.1/x/${REGISTRY_NAMESPACE}/health.json`, escapeJsonText(fs.readFileSync(file, "utf8")));
      return out;
    },
  };
}

/** The policy and catalog files for clients without a registry API (lib/client-files.ts), pinned like the rest. */
function withClientFiles(stage: OutputStage): OutputStage {
  return {
    ...stage,
    async build(model, history) {
      const out = await stage.build(model, history);
      for (const [p, body] of buildClientFiles(model)) out.files.set(p, body);
      return out;
    },
  };
}

/** The remote states of the committed health report by server name (none when absent or unreadable). */
function remotesOf(healthFile: string): Map<string, readonly RemoteHealth[]> {
  const out = new Map<string, readonly RemoteHealth[]>();
  let report: unknown;
  try {
    report = JSON.parse(fs.readFileSync(healthFile, "utf8"));
  } catch {
    return out;
  }
  const servers = (report as { servers?: unknown } | null)?.servers;
  for (const s of Array.isArray(servers) ? servers : []) {
    const entry = s as { name?: unknown; remotes?: unknown };
    if (typeof entry?.name === "string" && Array.isArray(entry.remotes))
      out.set(
        entry.name,
        entry.remotes.filter(
          (r): r is RemoteHealth =>
            typeof (r as RemoteHealth)?.url === "string" && typeof (r as RemoteHealth)?.state === "string",
        ),
      );
  }
  return out;
}

function syncOutputs(serversRoot: string) {
  const key = process.env["REGISTRY_INDEX_SIGNING_KEY"];
  const ttl = Number(process.env["REGISTRY_INDEX_TTL_DAYS"]);
  return syncFilesFor(serversRoot, {
    ...(key ? { signingKey: key } : {}),
    ...(Number.isFinite(ttl) && ttl > 0 ? { ttlDays: ttl } : {}),
  });
}
