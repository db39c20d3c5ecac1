// npm run new -- [--from FILE | --image REF | --interactive] [--name NAME] [--version V] [--description TEXT]
//                 [--title TEXT] [--transport stdio|streamable-http|sse] [--url URL] [--servers DIR] [--dry]
//
// Writes servers/<namespace>/<server>/<version>/server.json from a package.json, pyproject.toml, .csproj,
// Cargo.toml or an image reference (or from answers on a terminal), after validating it with the same
// validator CI runs; then says which back-reference the package needs. --dry prints instead of writing.

import fs from "node:fs";
import path from "node:path";
import { formatDiagnostic, hasErrors } from "./lib/diagnostics.ts";
import { createPrompter, defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
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
} from "./lib/tools/new-server.ts";
import { visible } from "./lib/terminal.ts";

const command = defineCommand({
  name: "new",
  usage: [
    "npm run new -- [--from FILE | --image REF | --interactive] [--name NAME] [--version V] [--description TEXT]",
    "               [--title TEXT] [--transport stdio|streamable-http|sse] [--url URL] [--servers DIR] [--dry]",
  ],
  description:
    "Writes servers/<namespace>/<server>/<version>/server.json from a package.json, pyproject.toml, .csproj, Cargo.toml\nor an image reference (or from answers on a terminal), after validating it with the validator CI runs; then says\nwhich back-reference the package needs.",
  options: {
    from: {
      type: "string",
      value: "FILE",
      help: "a package.json, pyproject.toml, <name>.csproj or Cargo.toml to start from",
    },
    image: {
      type: "string",
      value: "REF",
      help: "an OCI image reference to start from, e.g. ghcr.io/alice/weather:1.0.0",
    },
    interactive: { type: "boolean", help: "ask the questions even when the input is not a terminal" },
    name: { type: "string", value: "NAME", help: "the server name, <namespace>/<server>" },
    version: { type: "string", value: "V", help: "the version" },
    description: { type: "string", value: "TEXT", help: "the description" },
    title: { type: "string", value: "TEXT", help: "the display title" },
    transport: { type: "string", value: "TYPE", choices: ["stdio", "streamable-http", "sse"], help: "the transport" },
    url: { type: "string", value: "URL", help: "the transport URL (streamable-http, sse)" },
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree" },
    dry: { type: "boolean", help: "print the server.json instead of writing it" },
  },
  example: "npm run new -- --from package.json --dry",
});

runCommand(command, async ({ values }) => {
  let facts: ManifestFacts;
  let asked: DraftOptions = {};
  try {
    if (values.image) facts = readImageReference(values.image);
    else if (values.from) facts = readManifest(values.from);
    else if (values.interactive || process.stdin.isTTY) ({ facts, options: asked } = await askOnTerminal());
    else
      throw new UsageError(
        "nothing to start from: pass --from package.json|pyproject.toml|<name>.csproj|Cargo.toml, --image REF, or run on a terminal to answer questions",
      );
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
  if (draft.kind === "invalid") {
    for (const problem of draft.problems) process.stderr.write(`  - ${visible(problem)}\n`);
    throw new ExitError(
      `cannot write a server.json yet: fix the ${draft.problems.length === 1 ? "problem" : `${draft.problems.length} problems`} above`,
    );
  }

  const root = path.resolve(values.servers);
  const { file, diagnostics } = validateDraft(draft.doc, fsTreeReader(root, values.servers.replace(/\/+$/, "")));
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
  if (hasErrors(diagnostics))
    throw new ExitError(
      `${file} was not written: fix the problems above (change the manifest or pass the right --name/--version/--description)`,
    );
  const abs = path.join(path.dirname(root), file);
  const bytes = serverJsonBytes(draft.doc);
  if (values.dry) process.stdout.write(Buffer.from(bytes).toString("utf8"));
  else {
    if (fs.existsSync(abs))
      throw new ExitError(
        `${file} already exists: a published version is never changed. Publish a new version instead.`,
      );
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, bytes);
    process.stdout.write(`wrote ${file}\n`);
  }
  process.stdout.write(`\nBack-reference (verification checks it):\n${draft.advice.join("\n")}\n`);
  process.stdout.write(
    `\nNext: npm run validate -- ${file} && npm run verify -- --base origin/main --author <your-github-login>, then open a pull request.\n`,
  );
  return 0;
});

function readManifest(file: string): ManifestFacts {
  if (!fs.existsSync(file)) throw new UsageError(`--from ${file}: no such file`);
  const text = fs.readFileSync(file, "utf8");
  const base = path.basename(file);
  if (base === "package.json") return readPackageJson(text);
  if (base === "pyproject.toml") return readPyproject(text, file);
  if (base === "Cargo.toml") return readCargoToml(text, file);
  if (/\.csproj$/i.test(base)) return readCsproj(text, base);
  throw new UsageError(
    `--from ${file}: expected package.json, pyproject.toml, Cargo.toml or a .csproj file (or use --image REF)`,
  );
}

/** The questions on the terminal; Ctrl+C ends with "interrupted", Ctrl+D with "no answer (end of input)" (exit 1). */
async function askOnTerminal() {
  const prompter = createPrompter(process.stdin, process.stderr);
  try {
    return await interview(async (q, fallback) => {
      const answer = await prompter.ask(fallback ? `${q} [${fallback}]: ` : `${q}: `);
      return answer.trim() === "" && fallback !== undefined ? fallback : answer;
    });
  } finally {
    prompter.close();
  }
}
