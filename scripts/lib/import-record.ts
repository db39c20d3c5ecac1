// import.yaml: the upstream provenance of an imported version (written only by `npm run import`).
//
//   # Written by npm run import: upstream provenance of this version. Do not edit.
//   source: https://registry.modelcontextprotocol.io
//   publishedAt: 2025-10-23T11:57:18.059Z
//   updatedAt: 2025-10-23T11:57:18.059Z
//   statusChangedAt: 2025-10-23T11:57:18.059Z
//   upgradedFrom: 2025-09-29        # optional: the schema version the document was upgraded from
//   changes: [...]                  # optional: what the upgrade changed, one line each
//
// The build prefers these times over git times, so the API shows upstream's times. A change committed
// after the import (a later status.yaml edit, a signature) is newer than the import commit, and then git's
// time of that change wins for updatedAt/statusChangedAt. publishedAt always comes from upstream.
//
// Trust: a pull request must never add or change import.yaml (the PR verifier rejects it), or an author
// could choose their own publishedAt and win the latest pick. Only the import job (a maintainer) writes it.

import { stringify } from "yaml";
import { diag, type Diagnostic } from "./diagnostics.ts";
import type { VersionTimes } from "./git-history.ts";
import { checkOwnSchema } from "./schema.ts";
import { parseStrictYaml } from "./status-file.ts";

export interface ImportInfo {
  readonly source: string;
  readonly publishedAt: string;
  readonly updatedAt: string;
  readonly statusChangedAt: string;
  readonly upgradedFrom?: string;
  readonly changes?: readonly string[];
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An upstream time as this registry stores it: RFC 3339 in UTC with a `Z`. A UTC time keeps its
 * sub-second digits (upstream prints Go RFC3339Nano); an offset time is converted (millisecond precision).
 * Undefined when the value is not an RFC 3339 time.
 */
export function normalizeTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (RFC3339_UTC.test(value)) return value;
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** import.yaml text for `info`; keys in a fixed order, so the same import writes the same bytes. */
export function formatImportYaml(info: ImportInfo): string {
  const body: Record<string, unknown> = {
    source: info.source,
    publishedAt: info.publishedAt,
    updatedAt: info.updatedAt,
    statusChangedAt: info.statusChangedAt,
  };
  if (info.upgradedFrom !== undefined) body["upgradedFrom"] = info.upgradedFrom;
  if (info.changes !== undefined && info.changes.length > 0) body["changes"] = [...info.changes];
  return (
    "# Written by npm run import: upstream provenance of this version. Do not edit; pull requests may not add it.\n" +
    stringify(body, { lineWidth: 0 })
  );
}

const IMPORT_HINT = "import.yaml is written by npm run import; re-run the import instead of editing it.";

const UTC_TIME = { type: "string", pattern: RFC3339_UTC.source } as const;

/** What import.yaml may hold (formatImportYaml writes exactly this). */
const IMPORT_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["source", "publishedAt", "updatedAt", "statusChangedAt"],
  properties: {
    source: { type: "string", minLength: 1 },
    publishedAt: UTC_TIME,
    updatedAt: UTC_TIME,
    statusChangedAt: UTC_TIME,
    upgradedFrom: { type: "string" },
    changes: { type: "array", items: { type: "string" } },
  },
};

/** What each key must be, said instead of ajv's words for a bad value (ajv would quote the pattern). */
const FIELD_HELP: Readonly<Record<string, string>> = {
  source: "required, the registry URL or file the version came from",
  publishedAt: "required, an RFC 3339 UTC time such as 2025-10-23T11:57:18Z",
  updatedAt: "required, an RFC 3339 UTC time such as 2025-10-23T11:57:18Z",
  statusChangedAt: "required, an RFC 3339 UTC time such as 2025-10-23T11:57:18Z",
  upgradedFrom: "a schema version string",
  changes: "a list of strings",
};

/** Parse import.yaml strictly (YAML, then IMPORT_SCHEMA by ajv); problems become diagnostics `import/invalid`. */
export function parseImportYaml(
  text: string,
  file: string,
): { kind: "ok"; info: ImportInfo } | { kind: "invalid"; diagnostics: Diagnostic[] } {
  const parsed = parseStrictYaml(text, file, IMPORT_HINT);
  if (parsed.kind === "invalid") return parsed;
  const findings = checkOwnSchema("import", IMPORT_SCHEMA, parsed.doc);
  if (findings.length > 0) {
    return {
      kind: "invalid",
      diagnostics: findings.map((f) => {
        const key = f.pointer.split("/")[1] ?? "";
        const help = f.pointer === `/${key}` ? FIELD_HELP[key] : undefined;
        return diag("error", "import/invalid", file, help ? `${key}: ${help}.` : f.message, {
          pointer: f.pointer,
          ...(parsed.positionOf(f.pointer) ?? {}),
          hint: IMPORT_HINT,
        });
      }),
    };
  }
  const d = parsed.doc as ImportInfo;
  return {
    kind: "ok",
    info: {
      source: d.source,
      publishedAt: d.publishedAt,
      updatedAt: d.updatedAt,
      statusChangedAt: d.statusChangedAt,
      ...(d.upgradedFrom === undefined ? {} : { upgradedFrom: d.upgradedFrom }),
      ...(d.changes === undefined ? {} : { changes: d.changes }),
    },
  };
}

/**
 * The times the API shows for a version: upstream's from import.yaml, except where git recorded a change
 * after the import commit (`git.importedAt`). Without import.yaml, git's times unchanged.
 */
export function mergeImportedTimes(git: VersionTimes, imported: ImportInfo | undefined): VersionTimes {
  if (imported === undefined) return git;
  const after = (t: string) => git.importedAt !== undefined && t > git.importedAt;
  return {
    publishedAt: imported.publishedAt,
    updatedAt: after(git.updatedAt) ? git.updatedAt : imported.updatedAt,
    statusChangedAt: after(git.statusChangedAt) ? git.statusChangedAt : imported.statusChangedAt,
  };
}
