// npm run import -- --from <URL|FILE> [--servers DIR] [--namespace NS ...] [--repair] [--json]
//   [--max-pages N] [--max-response-bytes N] [--max-total-bytes N] [--timeout SECONDS] [--total-timeout SECONDS]
// Imports from a registry speaking the official API, or from a JSON array of server.json documents (the
// official seed format), into the servers/ tree. Entries that cannot be imported are listed with the reason.
// A run is one transaction (lib/import.ts): it stages every version and commits only when the whole source
// was read; a failure or Ctrl+C writes nothing, and the next run removes what a killed run left.
// Exit code: 0 when everything was imported, 1 when some entries were rejected or the import failed, 2 on bad usage.

import fs from "node:fs";
import path from "node:path";
import { checks, defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import {
  cleanImportLeftovers,
  DEFAULT_IMPORT_LIMITS,
  entriesFromFile,
  formatCounts,
  formatImportJson,
  formatRejected,
  fsServersStore,
  Importer,
  importFromApi,
  listUrl,
  type ImportLimits,
} from "./lib/tools/import.ts";
import { visible } from "./lib/terminal.ts";
import { createHttpClient } from "./lib/verify/http.ts";

const USER_AGENT = "mcp-static-registry-import/0.1 (+https://github.com/mcp-static-registry)";

const command = defineCommand({
  name: "import",
  usage: [
    "npm run import -- --from <URL|FILE> [--servers DIR] [--namespace NS ...] [--repair] [--json]",
    "                  [--max-pages N] [--max-response-bytes N] [--max-total-bytes N] [--timeout SECONDS] [--total-timeout SECONDS]",
  ],
  description:
    "Imports from a registry speaking the official API, or from a JSON array of server.json documents (the official seed\nformat), into the servers tree. A run is one transaction: a failure or Ctrl+C writes nothing. Entries that cannot be\nimported are listed with the reason. Exit 0 when everything was imported, 1 when some entries were rejected or the\nimport failed, 2 on bad usage.",
  options: {
    from: {
      type: "string",
      value: "URL|FILE",
      help: "a registry base URL or a JSON file of server.json documents (required)",
    },
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree to write" },
    namespace: { type: "string", value: "NS", multiple: true, help: "import only this namespace" },
    repair: { type: "boolean", help: "shorten over-long descriptions and fill empty ones (recorded in import.yaml)" },
    json: { type: "boolean", help: "print the counts and rejections as JSON" },
    "max-pages": {
      type: "string",
      value: "N",
      help: `stop after N pages (default: ${DEFAULT_IMPORT_LIMITS.maxPages})`,
    },
    "max-response-bytes": { type: "string", value: "N", help: "the largest response accepted, e.g. 16M" },
    "max-total-bytes": { type: "string", value: "N", help: "the most bytes read in all, e.g. 512M" },
    timeout: { type: "string", value: "SECONDS", help: "the time one request may take" },
    "total-timeout": { type: "string", value: "SECONDS", help: "the time the whole import may take" },
  },
  example: "npm run import -- --from https://registry.modelcontextprotocol.io --namespace io.github.alice",
});

runCommand(command, async ({ values }) => {
  if (!values.from)
    throw new UsageError(
      "--from <URL|FILE> is required: a registry base URL (https://registry.modelcontextprotocol.io) or a JSON file of server.json documents.",
    );
  const limits: ImportLimits = {
    maxPages: count("--max-pages", values["max-pages"], DEFAULT_IMPORT_LIMITS.maxPages),
    maxResponseBytes: byteCount(
      "--max-response-bytes",
      values["max-response-bytes"],
      DEFAULT_IMPORT_LIMITS.maxResponseBytes,
    ),
    maxTotalBytes: byteCount("--max-total-bytes", values["max-total-bytes"], DEFAULT_IMPORT_LIMITS.maxTotalBytes),
    requestTimeoutMs: seconds("--timeout", values.timeout, DEFAULT_IMPORT_LIMITS.requestTimeoutMs),
    totalTimeoutMs: seconds("--total-timeout", values["total-timeout"], DEFAULT_IMPORT_LIMITS.totalTimeoutMs),
  };
  const serversDir = path.resolve(values.servers);
  const isUrl = /^https?:\/\//i.test(values.from);
  if (isUrl && checks.httpUrl(values.from) !== undefined)
    throw new UsageError(`--from: not a valid URL: ${JSON.stringify(values.from)}`);
  const source = isUrl ? listUrl(values.from) : path.basename(values.from);
  const progress = createProgress(process.stderr);

  const leftovers = cleanImportLeftovers(serversDir, { pid: process.pid, isAlive });
  for (const dir of leftovers.removed) progress.line(`removed ${visible(dir)} (left by an import that was stopped)`);
  for (const k of leftovers.kept) progress.line(`left alone: ${visible(k.path)}: ${k.why}`);
  const store = fsServersStore(serversDir, { pid: process.pid });
  const importer = new Importer(store, {
    source,
    repair: values.repair,
    adopt: new Set(leftovers.repaired),
    ...(values.namespace ? { namespaces: values.namespace } : {}),
  });
  // Ctrl+C while reading the source: drop what was staged, so the tree is exactly as before.
  const onSigint = () => {
    importer.discard();
    process.stderr.write("\ninterrupted: nothing was written\n");
    process.exit(1);
  };
  process.once("SIGINT", onSigint);
  try {
    if (isUrl) {
      const http = createHttpClient({
        userAgent: USER_AGENT,
        retries: 3,
        backoffMs: 1000,
        maxRetryAfterMs: 60_000,
        concurrency: 1,
      });
      const result = await importFromApi(values.from, importer, {
        http,
        limits,
        onPage: (page) => progress.update(`page ${page}: ${formatCounts(importer.counts)}`),
      });
      if (result.kind === "failed") throw new ExitError(`import stopped, nothing written: ${result.reason}`);
    } else {
      const read = entriesFromFile(readSourceFile(values.from, limits.maxTotalBytes), values.from);
      if (read.kind === "invalid") throw new ExitError(visible(read.reason));
      read.entries.forEach((entry, i) => {
        importer.apply(entry);
        if (i % 10 === 9 || i === read.entries.length - 1)
          progress.bar(i + 1, read.entries.length, formatCounts(importer.counts));
      });
    }
  } catch (e) {
    importer.discard();
    progress.done();
    throw e;
  }
  // From here a kill leaves only complete version folders, and the next run removes the rest.
  process.removeListener("SIGINT", onSigint);
  const committed = importer.commit();
  progress.done();

  for (const r of importer.rejected) process.stderr.write(formatRejected(r) + "\n");
  for (const dir of committed.skipped)
    process.stderr.write(
      `not imported: ${visible(dir)} appeared in ${values.servers}/ during the import; left as it is\n`,
    );
  if (values.json) process.stdout.write(formatImportJson(importer.counts, importer.rejected) + "\n");
  else process.stdout.write(`import into ${visible(values.servers)}/: ${formatCounts(importer.counts)}\n`);
  if (
    importer.counts.rejected > 0 &&
    !values.repair &&
    importer.rejected.some((r) => r.reason.includes("description"))
  ) {
    process.stderr.write(
      "hint: --repair shortens over-long descriptions and fills empty ones (recorded in import.yaml when the source has times).\n",
    );
  }
  return importer.counts.rejected > 0 ? 1 : 0;
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readSourceFile(file: string, maxBytes: number): Buffer {
  try {
    const size = fs.statSync(file).size;
    if (size > maxBytes)
      throw new ExitError(`${visible(file)} is ${size} bytes, more than --max-total-bytes ${maxBytes}`);
    return fs.readFileSync(file);
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(`cannot read ${visible(file)}: ${(e as Error).message}`);
  }
}

function count(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value))
    throw new UsageError(`${option} ${JSON.stringify(value)}: expected a whole number of at least 1`);
  return Number(value);
}

/** A byte count: digits with an optional K, M or G (powers of 1024). */
function byteCount(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^([1-9]\d*)([KMG]?)$/i.exec(value);
  if (!m)
    throw new UsageError(
      `${option} ${JSON.stringify(value)}: expected a byte count such as 16M (K, M, G are powers of 1024)`,
    );
  return Number(m[1]) * 1024 ** " KMG".indexOf((m[2] || " ").toUpperCase());
}

function seconds(option: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0)
    throw new UsageError(`${option} ${JSON.stringify(value)}: expected a number of seconds greater than 0`);
  return Math.round(Number(value) * 1000);
}

/** A progress bar redrawn in place on a terminal; plain lines (every 10%) otherwise. */
function createProgress(out: NodeJS.WriteStream) {
  const tty = out.isTTY === true;
  let drawn = false;
  let lastPlain = -1;
  const clear = () => {
    if (tty && drawn) out.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    bar(done: number, total: number, text: string) {
      if (tty) {
        const width = 30;
        const filled = Math.round((done / Math.max(total, 1)) * width);
        out.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${text}`);
        drawn = true;
      } else {
        const decile = Math.floor((done / Math.max(total, 1)) * 10);
        if (decile !== lastPlain) out.write(`${done}/${total} ${text}\n`);
        lastPlain = decile;
      }
    },
    update(text: string) {
      if (tty) {
        out.write(`\r\x1b[2K${text}`);
        drawn = true;
      } else out.write(text + "\n");
    },
    line(text: string) {
      clear();
      out.write(text + "\n");
    },
    done() {
      if (tty && drawn) out.write("\n");
      drawn = false;
    },
  };
}
