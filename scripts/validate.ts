// npm run validate -- [--servers DIR] [FILE...]
// Validates the whole servers tree (cross-tree rules need it); with FILEs, reports only those files.

import path from "node:path";
import { parseArgs } from "node:util";
import { hasErrors } from "./lib/diagnostics.ts";
import { ExitError, printDiagnostics, runCli } from "./lib/cli.ts";
import { checkTree, displayPath } from "./lib/pipeline.ts";

runCli(async () => {
  const { values, positionals } = parseArgs({ options: { servers: { type: "string", default: "servers" } }, allowPositionals: true });
  const cwd = process.cwd();
  const servers = values.servers;
  const only = new Set(positionals.map((f) => displayPath(f, cwd)));
  const root = path.resolve(cwd, servers);
  for (const f of positionals) {
    if (path.relative(root, path.resolve(cwd, f)).startsWith("..")) throw new ExitError(`${f} is outside the servers folder ${servers}; pass --servers DIR.`, 2);
  }
  const { loaded, diagnostics } = checkTree(servers, cwd);
  const shown = only.size === 0 ? diagnostics : diagnostics.filter((d) => only.has(d.file) || [...only].some((f) => d.file.startsWith(f.endsWith("/") ? f : f + "/")));
  printDiagnostics(shown, only.size === 0 ? loaded.fileCount : only.size);
  return hasErrors(shown) ? 1 : 0;
});
