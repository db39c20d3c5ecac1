// npm run import -- --from <URL|FILE> [--servers DIR] [--namespace NS ...] [--repair] [--state FILE] [--json]
// Imports from a registry speaking the official API, or from a JSON array of server.json documents (the
// official seed format), into the servers/ tree. Entries that cannot be imported are listed with the reason.
// Exit code: 0 when everything was imported, 1 when some entries were rejected, 2 on bad usage.

import fs from "node:fs";
import path from "node:path";
import { checks, defineCommand, ExitError, runCommand, UsageError, withNetworkErrors } from "./lib/cli.ts";
import { entriesFromFile, fsServersStore, Importer, importFromApi, listUrl, type Fetcher, type ImportState } from "./lib/import.ts";

const httpGet: Fetcher = (url) =>
  withNetworkErrors(url, async () => {
    const res = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(60_000) });
    const retryAfter = res.headers.get("retry-after");
    return { status: res.status, text: await res.text(), ...(retryAfter == null ? {} : { retryAfter }) };
  });

const command = defineCommand({
  name: "import",
  usage: "npm run import -- --from <URL|FILE> [--servers DIR] [--namespace NS ...] [--repair] [--state FILE] [--json] [--retries N]",
  description: "Imports from a registry speaking the official API, or from a JSON array of server.json documents (the official seed\nformat), into the servers tree. Entries that cannot be imported are listed with the reason. Exit 0 when everything\nwas imported, 1 when some entries were rejected (or the source failed), 2 on bad usage.",
  options: {
    from: { type: "string", value: "URL|FILE", help: "a registry base URL or a JSON file of server.json documents (required)" },
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree to write" },
    namespace: { type: "string", value: "NS", multiple: true, help: "import only this namespace" },
    repair: { type: "boolean", help: "shorten over-long descriptions and fill empty ones (recorded in import.yaml)" },
    state: { type: "string", value: "FILE", help: "where paging progress is kept to resume (default: .import-state.json beside DIR)" },
    json: { type: "boolean", help: "print the counts and rejections as JSON" },
    retries: { type: "string", value: "N", default: "5", help: "retries of a request that fails or answers 429/5xx", check: checks.integer(0, 20) },
  },
  example: "npm run import -- --from https://registry.modelcontextprotocol.io --namespace io.github.alice",
});

runCommand(command, async ({ values }) => {
  if (!values.from) throw new UsageError("--from <URL|FILE> is required: a registry base URL (https://registry.modelcontextprotocol.io) or a JSON file of server.json documents.");
  const serversDir = path.resolve(values.servers);
  const isUrl = /^https?:\/\//i.test(values.from);
  if (isUrl && checks.httpUrl(values.from) !== undefined) throw new UsageError(`--from: not a valid URL: ${JSON.stringify(values.from)}`);
  const source = isUrl ? listUrl(values.from) : path.basename(values.from);
  const importer = new Importer(fsServersStore(serversDir), { source, repair: values.repair, ...(values.namespace ? { namespaces: values.namespace } : {}) });
  const progress = createProgress(process.stderr);

  if (isUrl) {
    const stateFile = path.resolve(values.state ?? path.join(path.dirname(serversDir), ".import-state.json"));
    const state = readState(stateFile);
    if (state && state.source === source) progress.line(`resuming ${source} after page ${state.pages} (state in ${stateFile})`);
    await importFromApi(values.from, importer, {
      fetcher: httpGet,
      retries: Number(values.retries),
      ...(state ? { state } : {}),
      saveState: (s) => fs.writeFileSync(stateFile, JSON.stringify(s) + "\n"),
      onPage: (page) => progress.update(`page ${page}: ${summary(importer.counts)}`),
      onRetry: (url, attempt, why) => progress.line(`retry ${attempt}: ${why} (${url})`),
    });
    fs.rmSync(stateFile, { force: true });
  } else {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(values.from);
    } catch (e) {
      throw new ExitError(`cannot read ${values.from}: ${(e as Error).message}`);
    }
    const read = entriesFromFile(bytes, values.from);
    if (read.kind === "invalid") throw new ExitError(read.reason);
    read.entries.forEach((entry, i) => {
      importer.apply(entry);
      if (i % 10 === 9 || i === read.entries.length - 1) progress.bar(i + 1, read.entries.length, summary(importer.counts));
    });
  }
  progress.done();

  for (const r of importer.rejected) {
    process.stderr.write(`not imported: ${r.origin}${r.name ? ` ${r.name}` : ""}${r.version ? `@${r.version}` : ""}: ${r.code}: ${r.reason}\n`);
  }
  if (values.json) process.stdout.write(JSON.stringify({ counts: importer.counts, rejected: importer.rejected }, null, 2) + "\n");
  else process.stdout.write(`import into ${values.servers}/: ${summary(importer.counts)}\n`);
  if (importer.counts.rejected > 0 && !values.repair && importer.rejected.some((r) => r.reason.includes("description"))) {
    process.stderr.write("hint: --repair shortens over-long descriptions and fills empty ones (recorded in import.yaml when the source has times).\n");
  }
  return importer.counts.rejected > 0 ? 1 : 0;
});

function summary(c: Importer["counts"]): string {
  return `${c.written} written, ${c.updated} updated, ${c.unchanged} unchanged, ${c.skipped} skipped (namespace), ${c.rejected} rejected`;
}

function readState(file: string): ImportState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<ImportState>;
    return typeof s.source === "string" && typeof s.cursor === "string" && typeof s.pages === "number" ? { source: s.source, cursor: s.cursor, pages: s.pages } : undefined;
  } catch {
    return undefined;
  }
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
