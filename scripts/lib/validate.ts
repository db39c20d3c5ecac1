// Validation of a loaded tree: per document (JSON Schema, the official semantic rules, status.yaml) and
// across the tree (names that differ only in case, remote URLs shared by two servers).

import { diag, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { parseJsonBytes } from "./json-source.ts";
import { parseStatusYaml, type LoadResult, type LoadedVersion } from "./load.ts";
import type { ServerJson } from "./model.ts";
import { checkServerSemantics } from "./rules.ts";
import { checkServerSchema, checkStatusSchema, type Finding } from "./schema.ts";

/** Everything wrong with one version: its server.json and its status.yaml. */
export function validateVersion(v: LoadedVersion): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (v.doc !== undefined) {
    const findings = [...checkServerSchema(v.doc), ...checkServerSemantics(v.doc)];
    out.push(...locateJsonFindings(v.file, v.bytes, findings));
  }
  if (v.statusFile !== undefined && v.statusText !== undefined) {
    const findings = checkStatusSchema(v.statusDoc);
    if (findings.length > 0) out.push(...locateStatusFindings(v.statusFile, v.statusText, findings));
  }
  return out;
}

function locateJsonFindings(file: string, bytes: Uint8Array, findings: readonly Finding[]): Diagnostic[] {
  if (findings.length === 0) return [];
  // Positions cost a second parse, so only files with findings pay for it.
  const parsed = parseJsonBytes(bytes, file, true);
  const positions = parsed.kind === "ok" ? parsed.source.positions : new Map();
  return findings.map((f) => {
    const pos = nearestPosition(positions, f.pointer);
    return diag(f.severity, f.code, file, f.message, { pointer: f.pointer, ...pos, ...(f.hint ? { hint: f.hint } : {}) });
  });
}

function locateStatusFindings(file: string, text: string, findings: readonly Finding[]): Diagnostic[] {
  const parsed = parseStatusYaml(text, file);
  return findings.map((f) => {
    const pos = parsed.kind === "ok" ? (parsed.positionOf(f.pointer) ?? parsed.positionOf("")) : undefined;
    return diag(f.severity, f.code, file, f.message, { pointer: f.pointer, ...(pos ?? {}), ...(f.hint ? { hint: f.hint } : {}) });
  });
}

/** The pointer's own position, or its closest ancestor's (a missing property points at its parent). */
function nearestPosition(positions: ReadonlyMap<string, { line: number; column: number }>, pointer: string): { line?: number; column?: number } {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
    const pos = positions.get(p);
    if (pos) return { line: pos.line, column: pos.column };
    if (p === "") return {};
  }
}

/** Rules that need the whole tree. */
export function validateTreeRules(versions: readonly LoadedVersion[]): Diagnostic[] {
  return [...checkNameCase(versions), ...checkRemoteUrls(versions)];
}

/** Two names that differ only in letter case would be one folder on macOS and Windows, and confuse people. */
function checkNameCase(versions: readonly LoadedVersion[]): Diagnostic[] {
  const firstByFolded = new Map<string, string>();
  const out: Diagnostic[] = [];
  const reported = new Set<string>();
  const names = [...new Set(versions.map((v) => v.name))].sort();
  for (const name of names) {
    const key = name.toLowerCase();
    const other = firstByFolded.get(key);
    if (other === undefined) {
      firstByFolded.set(key, name);
      continue;
    }
    for (const v of versions) {
      if (v.name !== name || reported.has(v.file)) continue;
      reported.add(v.file);
      out.push(diag("error", "tree/name-case-conflict", v.file, `server name "${name}" differs only in letter case from the existing server "${other}".`, { pointer: "/name", hint: `use "${other}" (the same server) or a clearly different name.` }));
    }
  }
  return out;
}

/** A remote URL belongs to one server: upstream refuses a publish whose remote another live server uses. */
function checkRemoteUrls(versions: readonly LoadedVersion[]): Diagnostic[] {
  const owners = new Map<string, Set<string>>();
  for (const v of versions) {
    if (v.status.status === "deleted") continue;
    for (const url of remoteUrls(v.doc)) {
      const set = owners.get(url) ?? new Set<string>();
      set.add(v.name);
      owners.set(url, set);
    }
  }
  const out: Diagnostic[] = [];
  for (const v of versions) {
    if (v.status.status === "deleted") continue;
    remoteUrls(v.doc).forEach((url, i) => {
      const others = [...(owners.get(url) ?? [])].filter((n) => n !== v.name).sort();
      if (others.length === 0) return;
      out.push(
        diag("error", "tree/remote-url-duplicate", v.file, `remote URL ${url} is already used by server ${others.join(", ")}`, {
          pointer: `/remotes/${i}/url`,
          hint: "each remote endpoint belongs to one server; publish new versions of that server instead, or use your own URL.",
        }),
      );
    });
  }
  return out;
}

function remoteUrls(doc: unknown): string[] {
  const remotes = (doc as Partial<ServerJson> | undefined)?.remotes;
  if (!Array.isArray(remotes)) return [];
  return remotes.map((r) => (typeof r?.url === "string" ? r.url : "")).filter((u) => u !== "");
}

/** Loader problems, every document's problems and the tree rules, in a stable order. */
export function validateLoaded(result: LoadResult): Diagnostic[] {
  const out: Diagnostic[] = [...result.diagnostics];
  for (const v of result.versions) out.push(...validateVersion(v));
  out.push(...locateTreeDiagnostics(result.versions, validateTreeRules(result.versions)));
  return sortDiagnostics(out);
}

function locateTreeDiagnostics(versions: readonly LoadedVersion[], diagnostics: Diagnostic[]): Diagnostic[] {
  const byFile = new Map(versions.map((v) => [v.file, v]));
  return diagnostics.map((d) => {
    const v = byFile.get(d.file);
    if (!v || d.pointer === undefined) return d;
    const parsed = parseJsonBytes(v.bytes, v.file, true);
    if (parsed.kind !== "ok") return d;
    return { ...d, ...nearestPosition(parsed.source.positions, d.pointer) };
  });
}
