// npm run validate -- [--servers DIR] [FILE...]
// Validates the whole servers tree; with FILEs (or folders), reports only those, exactly as the whole-tree run
// would, while reading only what their rules need (lib/validate-files.ts): a pull request's check costs what
// the change costs, not what the registry weighs.

import path from "node:path";
import { parseArgs } from "node:util";
import { hasErrors } from "./lib/diagnostics.ts";
import { ExitError, printDiagnostics, runCli } from "./lib/cli.ts";
import { checkTree, displayPath } from "./lib/pipeline.ts";
import { checkFiles, shownFor } from "./lib/validate-files.ts";

runCli(async () => {
  const { values, positionals } = parseArgs({ options: { servers: { type: "string", default: "servers" } }, allowPositionals: true });
  const cwd = process.cwd();
  const servers = values.servers;
  const only = new Set(positionals.map((f) => displayPath(f, cwd)));
  const root = path.resolve(cwd, servers);
  const rels: string[] = [];
  for (const f of positionals) {
    const rel = path.relative(root, path.resolve(cwd, f));
    if (rel.startsWith("..") || path.isAbsolute(rel)) throw new ExitError(`${f} is outside the servers folder ${servers}; pass --servers DIR.`, 2);
    rels.push(rel.split(path.sep).join("/"));
  }
  if (rels.length > 0 && !rels.includes("")) {
    const { diagnostics } = checkFiles(root, displayPath(servers, cwd), rels, only);
    printDiagnostics(diagnostics, only.size);
    return hasErrors(diagnostics) ? 1 : 0;
  }
  const { loaded, diagnostics } = checkTree(servers, cwd);
  const shown = only.size === 0 ? diagnostics : diagnostics.filter(shownFor(only, displayPath(servers, cwd)));
  printDiagnostics(shown, only.size === 0 ? loaded.fileCount : only.size);
  return hasErrors(shown) ? 1 : 0;
});
