// npm run validate -- [--servers DIR] [FILE...]
// Validates the whole servers tree; with FILEs (or folders), reports only those, exactly as the whole-tree run
// would, while reading only what their rules need (lib/validate-files.ts): a pull request's check costs what
// the change costs, not what the registry weighs.

import os from "node:os";
import path from "node:path";
import { hasErrors } from "./lib/diagnostics.ts";
import { defineCommand, printDiagnostics, runCommand, UsageError } from "./lib/cli.ts";
import { displayPath } from "./lib/load.ts";
import { checkFiles, shownFor } from "./lib/validate-files.ts";

const command = defineCommand({
  name: "validate",
  usage: "npm run validate -- [--servers DIR] [FILE...]",
  description:
    "Validates the whole servers tree (schema, names, versions, status files, signatures' shape). With FILEs or folders,\nreports only those, exactly as the whole-tree run would, reading only what their rules need.",
  options: { servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree" } },
  positionals: { name: "FILE..." },
  example: "npm run validate -- servers/io.github.alice/weather/1.0.0/server.json",
});

runCommand(command, async ({ values, positionals }) => {
  const cwd = process.cwd();
  const servers = values.servers;
  const only = new Set(positionals.map((f) => displayPath(f, cwd)));
  const root = path.resolve(cwd, servers);
  const rels: string[] = [];
  for (const f of positionals) {
    const rel = path.relative(root, path.resolve(cwd, f));
    if (rel.startsWith("..") || path.isAbsolute(rel))
      throw new UsageError(`${f} is outside the servers folder ${servers}; pass --servers DIR.`);
    rels.push(rel.split(path.sep).join("/"));
  }
  if (rels.length > 0 && !rels.includes("")) {
    const { diagnostics } = await checkFiles(root, displayPath(servers, cwd), rels, only, {
      threads: os.availableParallelism(),
    });
    printDiagnostics(diagnostics, only.size);
    return hasErrors(diagnostics) ? 1 : 0;
  }
  // Imported here: the whole-tree stages cost a named-files run about 0.4 s of module loading (measured).
  const { checkTree } = await import("./lib/pipeline.ts");
  const { loaded, diagnostics } = checkTree(servers, cwd);
  const shown = only.size === 0 ? diagnostics : diagnostics.filter(shownFor(only, displayPath(servers, cwd)));
  printDiagnostics(shown, only.size === 0 ? loaded.fileCount : only.size);
  return hasErrors(shown) ? 1 : 0;
});
