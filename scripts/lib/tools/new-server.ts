// `npm run new`: draft a server.json from what a publisher already has — a package.json, pyproject.toml,
// .csproj, Cargo.toml or a container image reference, or answers to questions — validate it with the
// same validator CI runs (in the context of the whole tree), and say which back-reference the package
// needs so verification can prove the package belongs to the server.
// Pure: manifest text and options in, a document, diagnostics and advice out.

import { parse as parseTomlText, TomlError } from "smol-toml";
import { sortDiagnostics, type Diagnostic } from "../diagnostics.ts";
import { loadTree, type TreeItem, type TreeReader } from "../load.ts";
import { CURRENT_SCHEMA_URL, type Package, type ServerJson } from "../model.ts";
import { OCI_DEFAULT_REGISTRY, parseOciReference } from "../rules.ts";
import { validateLoaded } from "../validate.ts";

type SourceKind = "npm" | "pypi" | "nuget" | "cargo" | "oci";

/** What a manifest tells about the package; every field may be missing. */
export interface ManifestFacts {
  readonly kind: SourceKind;
  readonly identifier?: string;
  readonly version?: string;
  readonly description?: string;
  readonly repositoryUrl?: string;
  /** npm only: the mcpName already in package.json. */
  readonly mcpName?: string;
  /** Why a field could not be read (e.g. a dynamic version), for the error message. */
  readonly notes: string[];
}

export interface DraftOptions {
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  readonly title?: string;
  readonly transport?: "stdio" | "streamable-http" | "sse";
  /** For streamable-http / sse packages: the URL the local server listens on. */
  readonly transportUrl?: string;
}

export type Draft =
  | { readonly kind: "ok"; readonly doc: ServerJson; readonly advice: string[] }
  | { readonly kind: "invalid"; readonly problems: string[] };

export class ManifestError extends Error {}

// --- manifests ----------------------------------------------------------------------------------------

export function readPackageJson(text: string): ManifestFacts {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`package.json is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc == null || Array.isArray(doc))
    throw new ManifestError("package.json must be a JSON object");
  const d = doc as Record<string, unknown>;
  const repo =
    typeof d.repository === "string"
      ? d.repository
      : typeof d.repository === "object" && d.repository != null
        ? (d.repository as Record<string, unknown>).url
        : undefined;
  return {
    kind: "npm",
    ...str("identifier", d.name),
    ...str("version", d.version),
    ...str("description", d.description),
    ...str("repositoryUrl", repo),
    ...str("mcpName", d.mcpName),
    notes: [],
  };
}

/** A TOML manifest as a document (smol-toml: TOML 1.0, so inline tables and multi-line strings too). */
function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parseTomlText(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const first = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    throw new ManifestError(
      `${file}:${e.line}:${e.column}: not valid TOML: ${first}. Fix the file (\`cargo metadata\` or \`pip install .\` would refuse it too) and run again.`,
    );
  }
}

/** The table at `key` of a parsed TOML document, or an empty one when it is missing or not a table. */
function table(doc: Record<string, unknown>, key: string): Record<string, unknown> {
  const t = doc[key];
  return typeof t === "object" && t != null && !Array.isArray(t) && !(t instanceof Date)
    ? (t as Record<string, unknown>)
    : {};
}

/** `file` names the manifest in error messages. */
export function readPyproject(text: string, file = "pyproject.toml"): ManifestFacts {
  const project = table(parseToml(text, file), "project");
  const urls = table(project, "urls");
  const notes: string[] = [];
  const dynamic = project["dynamic"];
  if (project["version"] === undefined && Array.isArray(dynamic) && dynamic.includes("version"))
    notes.push("the version is dynamic in pyproject.toml: pass --version with the version you published to PyPI");
  const repo = Object.entries(urls).find(([k]) => /^(repository|source|source code|homepage)$/i.test(k))?.[1];
  return {
    kind: "pypi",
    ...str("identifier", project["name"]),
    ...str("version", project["version"]),
    ...str("description", project["description"]),
    ...str("repositoryUrl", repo),
    notes,
  };
}

/** `file` names the manifest in error messages. */
export function readCargoToml(text: string, file = "Cargo.toml"): ManifestFacts {
  const pkg = table(parseToml(text, file), "package");
  const notes: string[] = [];
  // `version.workspace = true` and `version = { workspace = true }` are the same table.
  if (table(pkg, "version")["workspace"] === true)
    notes.push("the version comes from the workspace: pass --version with the version you published to crates.io");
  return {
    kind: "cargo",
    ...str("identifier", pkg["name"]),
    ...str("version", pkg["version"]),
    ...str("description", pkg["description"]),
    ...str("repositoryUrl", pkg["repository"]),
    notes,
  };
}

export function readCsproj(text: string, fileName: string): ManifestFacts {
  const tag = (name: string) => {
    const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
    return m ? decodeXml((m[1] as string).trim()) : undefined;
  };
  const id = tag("PackageId") ?? tag("AssemblyName") ?? fileName.replace(/\.csproj$/i, "");
  return {
    kind: "nuget",
    ...str("identifier", id),
    ...str("version", tag("Version") ?? tag("PackageVersion")),
    ...str("description", tag("Description")),
    ...str("repositoryUrl", tag("RepositoryUrl")),
    notes: [],
  };
}

/**
 * `ghcr.io/owner/image:1.0.0`; a bare `owner/image:tag` is on docker.io. A tag is required (it is the
 * version). The reference is read by the core's one OCI parser (rules.ts), as validation will read it.
 */
export function readImageReference(ref: string): ManifestFacts {
  const trimmed = ref.trim();
  const parsed = parseOciReference(trimmed);
  if (!parsed.ok)
    return {
      kind: "oci",
      identifier: trimmed,
      notes: [`the image reference ${JSON.stringify(ref)} is not valid: ${parsed.error}`],
    };
  const { registry, repository, tag, digest } = parsed.ref;
  const full = `${registry === OCI_DEFAULT_REGISTRY ? "docker.io" : registry}/${repository}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
  const notes =
    tag === undefined
      ? [
          `the image reference ${JSON.stringify(ref)} has no tag: add the tag you published, e.g. ${full.replace(/@.*$/, "")}:1.0.0`,
        ]
      : [];
  return { kind: "oci", identifier: full, ...str("version", tag), notes };
}

function str<K extends string>(key: K, v: unknown): { [P in K]?: string } {
  return (typeof v === "string" && v.trim() !== "" ? { [key]: v.trim() } : {}) as { [P in K]?: string };
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

// --- the draft ----------------------------------------------------------------------------------------

/** `git+https://github.com/a/b.git`, `github:a/b`, `git@github.com:a/b.git` → `https://github.com/a/b`. */
export function normalizeRepositoryUrl(url: string): { url: string; source: string } | undefined {
  const shorthand =
    /^(github|gitlab):([\w.-]+\/[\w.-]+)$/.exec(url) ??
    (/^([\w.-]+\/[\w.-]+)$/.test(url) ? [url, "github", url] : null);
  const normalized = shorthand
    ? `https://${shorthand[1]}.com/${shorthand[2]}`
    : url
        .replace(/^git\+/, "")
        .replace(/^git@([^:]+):/, "https://$1/")
        .replace(/^(git|ssh):\/\/(git@)?/, "https://")
        .replace(/\.git$/, "")
        .replace(/\/+$/, "");
  const m = /^https:\/\/(github\.com|gitlab\.com)\/([\w.-]+\/[\w.-]+)$/.exec(normalized);
  return m ? { url: `https://${m[1]}/${m[2]}`, source: (m[1] as string).split(".")[0] as string } : undefined;
}

/** io.github.<owner>/<repo> from a GitHub repository URL: the namespace a GitHub login proves. */
function suggestName(facts: ManifestFacts): string | undefined {
  const repo = facts.repositoryUrl ? normalizeRepositoryUrl(facts.repositoryUrl) : undefined;
  const m = repo ? /^https:\/\/github\.com\/([^/]+)\/([^/]+)$/.exec(repo.url) : null;
  return m ? `io.github.${m[1]}/${m[2]}` : undefined;
}

export function draftServer(facts: ManifestFacts, options: DraftOptions): Draft {
  const problems = [...facts.notes.filter((n) => !(options.version && /version/.test(n)))];
  const name = options.name ?? facts.mcpName ?? suggestName(facts);
  if (!name)
    problems.push(
      "no server name: pass --name <namespace>/<server>, e.g. --name io.github.<your-login>/<server> (or a reverse-DNS name of a domain you own)",
    );
  const version = options.version ?? facts.version;
  if (!version) problems.push(`no version in the ${facts.kind} manifest: pass --version`);
  const description = options.description ?? facts.description;
  if (!description)
    problems.push("no description in the manifest: pass --description (one sentence, at most 100 characters)");
  if (!facts.identifier) problems.push(`no package name in the ${facts.kind} manifest`);
  if (problems.length > 0 || !name || !version || !description || !facts.identifier)
    return { kind: "invalid", problems };

  const transportType = options.transport ?? "stdio";
  const transport =
    transportType === "stdio"
      ? { type: "stdio" }
      : { type: transportType, url: options.transportUrl ?? "http://localhost:8080/mcp" };
  const pkg: Package =
    facts.kind === "oci"
      ? { registryType: "oci", identifier: facts.identifier, transport }
      : {
          registryType: facts.kind,
          identifier: facts.identifier,
          version: options.version ?? facts.version ?? version,
          transport,
        };
  const repository = facts.repositoryUrl ? normalizeRepositoryUrl(facts.repositoryUrl) : undefined;
  const doc: ServerJson = {
    $schema: CURRENT_SCHEMA_URL,
    name,
    description,
    ...(options.title ? { title: options.title } : {}),
    ...(repository ? { repository } : {}),
    version,
    packages: [pkg],
  };
  return { kind: "ok", doc, advice: backReferenceAdvice(facts, name, pkg) };
}

/** What to add to the package so verification finds the server name there (UPSTREAM §4.5). */
function backReferenceAdvice(facts: ManifestFacts, name: string, pkg: Package): string[] {
  switch (facts.kind) {
    case "npm":
      return facts.mcpName === name
        ? [
            `package.json already declares "mcpName": "${name}". Publish version ${pkg.version} to npm before opening the pull request.`,
          ]
        : [`Add this to package.json and publish version ${pkg.version} to npm:`, `  "mcpName": "${name}"`];
    case "pypi":
      return [
        `Add this line to the README that PyPI shows as the project description, and publish version ${pkg.version}:`,
        `  mcp-name: ${name}`,
        "(an HTML comment works too: <!-- mcp-name: " + name + " -->)",
      ];
    case "nuget":
      return [
        `Add this line to the package README (<PackageReadmeFile> in the .csproj), and publish version ${pkg.version} to NuGet:`,
        `  mcp-name: ${name}`,
      ];
    case "cargo":
      return [
        `Add this line to the crate's README (the one crates.io shows), and publish version ${pkg.version}:`,
        `  mcp-name: ${name}`,
      ];
    case "oci":
      return [
        "Add this label to the Dockerfile, rebuild and push the tag:",
        `  LABEL io.modelcontextprotocol.server.name="${name}"`,
      ];
  }
}

// --- validation in the context of the tree ------------------------------------------------------------

/** The tree as it would be with the new file: the validator sees folder rules and tree rules too. */
function overlayReader(base: TreeReader, files: ReadonlyMap<string, Uint8Array>): TreeReader {
  return {
    displayRoot: base.displayRoot,
    items() {
      const items = new Map<string, TreeItem>(base.items().map((i) => [i.path, i]));
      for (const [p, bytes] of files) {
        const parts = p.split("/");
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join("/");
          if (!items.has(dir)) items.set(dir, { path: dir, type: "directory", size: 0 });
        }
        items.set(p, { path: p, type: "file", size: bytes.length });
      }
      return [...items.values()];
    },
    read(rel) {
      return files.get(rel) ?? base.read(rel);
    },
  };
}

export function serverJsonBytes(doc: ServerJson): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc, null, 2) + "\n");
}

/**
 * Validate the draft as `servers/<name>/<version>/server.json` inside the existing tree. Reported: its own
 * findings and every finding the draft causes elsewhere (a tree rule may name the other file).
 */
export function validateDraft(doc: ServerJson, tree: TreeReader): { file: string; diagnostics: Diagnostic[] } {
  const rel = `${doc.name}/${doc.version}/server.json`;
  const file = `${tree.displayRoot}/${rel}`;
  const key = (d: Diagnostic) => `${d.file}\0${d.code}\0${d.message}`;
  const before = new Set(validateLoaded(loadTree(tree)).map(key));
  const after = validateLoaded(loadTree(overlayReader(tree, new Map([[rel, serverJsonBytes(doc)]]))));
  return { file, diagnostics: sortDiagnostics(after.filter((d) => !before.has(key(d)))) };
}

// --- questions on a terminal --------------------------------------------------------------------------

export type Ask = (question: string, fallback?: string) => Promise<string>;

/** Ask for what no manifest gave: the package type and name, version, server name, description. */
export async function interview(ask: Ask): Promise<{ facts: ManifestFacts; options: DraftOptions }> {
  const kinds: SourceKind[] = ["npm", "pypi", "nuget", "cargo", "oci"];
  let kind = "";
  while (!kinds.includes(kind as SourceKind))
    kind = (await ask(`Package type (${kinds.join(", ")})`, "npm")).trim().toLowerCase();
  const identifier = (
    await ask(
      kind === "oci" ? "Image reference with tag (e.g. ghcr.io/you/server:1.0.0)" : "Package name on the registry",
    )
  ).trim();
  const facts: ManifestFacts =
    kind === "oci"
      ? readImageReference(identifier)
      : {
          kind: kind as SourceKind,
          ...str("identifier", identifier),
          ...str("version", await ask("Package version (the exact published version)")),
          notes: [],
        };
  const name = (await ask("Server name (io.github.<your-login>/<server> or <reverse-domain>/<server>)")).trim();
  const version = kind === "oci" ? (await ask("Server version", facts.version)).trim() : facts.version;
  const description = (await ask("One-sentence description")).trim();
  const transport = (await ask("Transport (stdio, streamable-http, sse)", "stdio")).trim() as DraftOptions["transport"];
  return {
    facts,
    options: {
      ...(name ? { name } : {}),
      ...(version ? { version } : {}),
      ...(description ? { description } : {}),
      ...(transport ? { transport } : {}),
    },
  };
}
