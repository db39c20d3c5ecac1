// npm run new -- [--from FILE | --image REF | --interactive] [--name NAME] [--version V] [--description TEXT]
//                 [--title TEXT] [--transport stdio|streamable-http|sse] [--url URL] [--servers DIR] [--dry]
//
// Writes servers/<namespace>/<server>/<version>/server.json from a package.json, pyproject.toml, .csproj,
// Cargo.toml or an image reference (or from answers on a terminal), after validating it with the same
// validator CI runs; then says which back-reference the package needs. --dry prints instead of writing.

import fs from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { formatDiagnostic, hasErrors } from "./lib/diagnostics.ts";
import { ExitError, runCli } from "./lib/cli.ts";
import { fsTreeReader } from "./lib/load.ts";
import {
  ManifestError,
  draftServer,
  interview,
  readCargoToml,
  readCsproj,
  readImageReference,
  readPackageJson,
  readPyproject,
  serverJsonBytes,
  validateDraft,
  type DraftOptions,
  type ManifestFacts,
} from "./lib/new-server.ts";

runCli(async () => {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      image: { type: "string" },
      interactive: { type: "boolean", default: false },
      name: { type: "string" },
      version: { type: "string" },
      description: { type: "string" },
      title: { type: "string" },
      transport: { type: "string" },
      url: { type: "string" },
      servers: { type: "string", default: "servers" },
      dry: { type: "boolean", default: false },
    },
  });
  if (values.transport !== undefined && !["stdio", "streamable-http", "sse"].includes(values.transport)) {
    throw new ExitError(`--transport must be stdio, streamable-http or sse, got ${JSON.stringify(values.transport)}`, 2);
  }
  let facts: ManifestFacts;
  let asked: DraftOptions = {};
  try {
    if (values.image) facts = readImageReference(values.image);
    else if (values.from) facts = readManifest(values.from);
    else if (values.interactive || process.stdin.isTTY) ({ facts, options: asked } = await askOnTerminal());
    else throw new ExitError("nothing to start from: pass --from package.json|pyproject.toml|<name>.csproj|Cargo.toml, --image REF, or run on a terminal to answer questions", 2);
  } catch (e) {
    if (e instanceof ManifestError) throw new ExitError(e.message);
    throw e;
  }
  const options: DraftOptions = {
    ...asked,
    ...(values.name ? { name: values.name } : {}),
    ...(values.version ? { version: values.version } : {}),
    ...(values.description ? { description: values.description } : {}),
    ...(values.title ? { title: values.title } : {}),
    ...(values.transport ? { transport: values.transport as DraftOptions["transport"] } : {}),
    ...(values.url ? { transportUrl: values.url } : {}),
  };
  const draft = draftServer(facts, options);
  if (draft.kind === "invalid") throw new ExitError(`cannot write a server.json yet:\n  - ${draft.problems.join("\n  - ")}`);

  const root = path.resolve(values.servers);
  const { file, diagnostics } = validateDraft(draft.doc, fsTreeReader(root, values.servers.replace(/\/+$/, "")));
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
  if (hasErrors(diagnostics)) throw new ExitError(`${file} was not written: fix the problems above (change the manifest or pass the right --name/--version/--description)`);
  const abs = path.join(path.dirname(root), file);
  const bytes = serverJsonBytes(draft.doc);
  if (values.dry) process.stdout.write(Buffer.from(bytes).toString("utf8"));
  else {
    if (fs.existsSync(abs)) throw new ExitError(`${file} already exists: a published version is never changed. Publish a new version instead.`);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, bytes);
    process.stdout.write(`wrote ${file}\n`);
  }
  process.stdout.write(`\nBack-reference (verification checks it):\n${draft.advice.join("\n")}\n`);
  process.stdout.write(`\nNext: npm run validate -- ${file} && npm run verify -- --base origin/main --author <your-github-login>, then open a pull request.\n`);
  return 0;
});

function readManifest(file: string): ManifestFacts {
  if (!fs.existsSync(file)) throw new ExitError(`${file}: no such file`, 2);
  const text = fs.readFileSync(file, "utf8");
  const base = path.basename(file);
  if (base === "package.json") return readPackageJson(text);
  if (base === "pyproject.toml") return readPyproject(text, file);
  if (base === "Cargo.toml") return readCargoToml(text, file);
  if (/\.csproj$/i.test(base)) return readCsproj(text, base);
  throw new ExitError(`${file}: expected package.json, pyproject.toml, Cargo.toml or a .csproj file (or use --image REF)`, 2);
}

async function askOnTerminal() {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await interview(async (q, fallback) => {
      const answer = await rl.question(fallback ? `${q} [${fallback}]: ` : `${q}: `);
      return answer.trim() === "" && fallback !== undefined ? fallback : answer;
    });
  } finally {
    rl.close();
  }
}
