// JSON Schema validation of server.json against the released schema its `$schema` names, of status.yaml, and of
// the small files this project defines (the PR report, import.yaml). One ajv instance, each schema compiled once,
// on first use.

import AjvModule, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import s20250709 from "../../schemas/server/2025-07-09.json" with { type: "json" };
import s20250916 from "../../schemas/server/2025-09-16.json" with { type: "json" };
import s20250929 from "../../schemas/server/2025-09-29.json" with { type: "json" };
import s20251011 from "../../schemas/server/2025-10-11.json" with { type: "json" };
import s20251017 from "../../schemas/server/2025-10-17.json" with { type: "json" };
import s20251211 from "../../schemas/server/2025-12-11.json" with { type: "json" };
import statusSchema from "../../schemas/status.schema.json" with { type: "json" };
import { CURRENT_SCHEMA_URL, CURRENT_SCHEMA_VERSION } from "./model.ts";
import type { Finding } from "./rules.ts";

// ajv and ajv-formats are CommonJS; under NodeNext their default export is the module object.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** A problem inside one document, located by JSON pointer; the caller adds the file and the position. */
export type { Finding };

/** Every released server.json schema, oldest first (UPSTREAM.md §1.1). `draft` is not released. */
const SERVER_SCHEMAS: Readonly<Record<string, object>> = {
  "2025-07-09": s20250709,
  "2025-09-16": s20250916,
  "2025-09-29": s20250929,
  "2025-10-11": s20251011,
  "2025-10-17": s20251017,
  "2025-12-11": s20251211,
};
const SCHEMA_VERSIONS = Object.keys(SERVER_SCHEMAS);

const SCHEMA_URL_PATTERN = /\/schemas\/([A-Za-z0-9_~.-]+)\/server\.schema\.json/;

function createAjv() {
  // strict mode catches mistakes in our own schemas. strictRequired is off because the official schemas use
  // the `anyOf: [{required: [valueHint]}, {required: [value]}]` idiom, whose properties live in a sibling.
  // `example` is an OpenAPI annotation the official schemas carry.
  const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, verbose: false });
  addFormats(ajv);
  ajv.addVocabulary(["example"]);
  return ajv;
}

let ajv: ReturnType<typeof createAjv> | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: object): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    ajv ??= createAjv();
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

type SchemaChoice =
  | { readonly kind: "ok"; readonly version: string; readonly findings: Finding[] }
  | { readonly kind: "invalid"; readonly findings: Finding[] };

/** Which released schema a document declares; the official registry's `$schema` rules (§4.2). */
function chooseSchema(doc: unknown): SchemaChoice {
  const url = typeof doc === "object" && doc != null ? (doc as Record<string, unknown>)["$schema"] : undefined;
  const fix = `set "$schema": "${CURRENT_SCHEMA_URL}".`;
  if (url === undefined || url === "") {
    return {
      kind: "invalid",
      findings: [
        { severity: "error", code: "schema/missing", pointer: "", message: "$schema field is required", hint: fix },
      ],
    };
  }
  if (typeof url !== "string") {
    return {
      kind: "invalid",
      findings: [
        {
          severity: "error",
          code: "schema/missing",
          pointer: "/$schema",
          message: "$schema must be a string URL",
          hint: fix,
        },
      ],
    };
  }
  const match = SCHEMA_URL_PATTERN.exec(url);
  if (!match) {
    return {
      kind: "invalid",
      findings: [
        {
          severity: "error",
          code: "schema/unknown-version",
          pointer: "/$schema",
          message: `failed to extract schema version from URL: invalid schema URL format: ${url}`,
          hint: fix,
        },
      ],
    };
  }
  const version = match[1]!;
  if (!(version in SERVER_SCHEMAS)) {
    return {
      kind: "invalid",
      findings: [
        {
          severity: "error",
          code: "schema/unknown-version",
          pointer: "/$schema",
          message: `schema version ${version} not available: released versions are ${SCHEMA_VERSIONS.join(", ")}`,
          hint: fix,
        },
      ],
    };
  }
  const findings: Finding[] =
    version === CURRENT_SCHEMA_VERSION
      ? []
      : [
          {
            severity: "warning",
            code: "schema/not-current",
            pointer: "/$schema",
            message: `schema version ${version} is not the current version (${CURRENT_SCHEMA_VERSION}). Consider updating to the latest schema version`,
            hint: `${fix} See the schema CHANGELOG for the field changes.`,
          },
        ];
  return { kind: "ok", version, findings };
}

/** Full JSON Schema validation against the schema `$schema` names (plus the `$schema` checks). */
export function checkServerSchema(doc: unknown): Finding[] {
  const choice = chooseSchema(doc);
  // Without a usable $schema, still check against the current schema so that one run reports everything.
  const version = choice.kind === "ok" ? choice.version : CURRENT_SCHEMA_VERSION;
  const validate = validatorFor(version, SERVER_SCHEMAS[version]!);
  if (validate(doc)) return choice.findings;
  return [...choice.findings, ...ajvFindings(validate.errors ?? [], "schema")];
}

/**
 * Compile the current server.json schema now rather than at the first document (a build worker does this
 * while the main thread is still walking the folders). Nothing else changes: the same compiled function.
 */
export function prepareServerSchema(): void {
  validatorFor(CURRENT_SCHEMA_VERSION, SERVER_SCHEMAS[CURRENT_SCHEMA_VERSION]!);
}

/** status.yaml against schemas/status.schema.json. */
export function checkStatusSchema(doc: unknown): Finding[] {
  const validate = validatorFor("status", statusSchema);
  if (validate(doc)) return [];
  return ajvFindings(validate.errors ?? [], "status");
}

/**
 * A document against one of this project's own small schemas (`key` names it; compiled once). Findings are
 * coded `<key>/<ajv keyword>`, as for the released schemas.
 */
export function checkOwnSchema(key: string, schema: object, doc: unknown): Finding[] {
  const validate = validatorFor(key, schema);
  if (validate(doc)) return [];
  return ajvFindings(validate.errors ?? [], key);
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

/**
 * ajv errors → findings. anyOf produces one error per branch; a branch whose discriminator
 * (`type` const/enum) does not match is noise, so only the branches that could have applied are kept.
 */
function ajvFindings(errors: readonly ErrorObject[], area: string): Finding[] {
  const anyOfPaths = errors.filter((e) => e.keyword === "anyOf").map((e) => e.schemaPath);
  const dropped = new Set<ErrorObject>();
  for (const anyOfPath of anyOfPaths) {
    const base = anyOfPath; // e.g. "#/definitions/Argument/anyOf"
    const branches = new Map<string, ErrorObject[]>();
    for (const e of errors) {
      if (!e.schemaPath.startsWith(base + "/")) continue;
      const branch = e.schemaPath.slice(base.length + 1).split("/")[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const mismatched = [...branches.values()].filter((errs) =>
      errs.some((e) => (e.keyword === "const" || e.keyword === "enum") && /\/type$/.test(e.instancePath)),
    );
    for (const errs of mismatched) if (mismatched.length < branches.size) errs.forEach((e) => dropped.add(e));
    // When some branch errors remain, they say more than "must match a schema in anyOf".
    const anyOfError = errors.find((e) => e.keyword === "anyOf" && e.schemaPath === anyOfPath);
    if (anyOfError && branches.size > mismatched.length) dropped.add(anyOfError);
  }
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const e of errors) {
    if (dropped.has(e) || e.keyword === "if") continue;
    const f = toFinding(e, area);
    const key = `${f.code}\0${f.pointer}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(f);
  }
  return findings;
}

function toFinding(e: ErrorObject, area: string): Finding {
  const at = e.instancePath === "" ? "document" : e.instancePath.slice(1).replace(/\//g, ".");
  const p = e.params as Record<string, unknown>;
  let message: string;
  let hint: string | undefined;
  switch (e.keyword) {
    case "required":
      message = `${at}: required property "${String(p["missingProperty"])}" is missing.`;
      hint = `add "${String(p["missingProperty"])}".`;
      break;
    case "additionalProperties":
      message = `${at}: unknown property "${String(p["additionalProperty"])}".`;
      hint = `remove "${String(p["additionalProperty"])}" or check its spelling.`;
      break;
    case "enum":
      message = `${at}: must be one of ${(p["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}.`;
      break;
    case "not":
      message =
        area === "status" && e.schemaPath.startsWith("#/then")
          ? `statusMessage is not allowed when status is active.`
          : `${at}: ${e.message ?? "is not allowed"}.`;
      if (area === "status") hint = "remove statusMessage, or set status to deprecated or deleted.";
      break;
    default:
      message = `${at}: ${e.message ?? "is invalid"}.`;
  }
  const pointer = area === "status" && e.keyword === "not" ? "/statusMessage" : e.instancePath;
  return { severity: "error", code: `${area}/${kebab(e.keyword)}`, pointer, message, ...(hint ? { hint } : {}) };
}
