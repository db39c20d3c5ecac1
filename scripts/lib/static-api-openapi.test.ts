// schemas/static-api.openapi.yaml describes what the build emits: it parses as OpenAPI 3.1, its copies of
// the official response schemas equal the reference ones, every path it lists is a file (or the pair of
// files) of the built tree under /v0 and /v0.1, every API file of the tree is one of its paths, each file's
// body matches the response schema the document declares for it, and its examples are real.

import fs from "node:fs";
import path from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildFixtureRegistry,
  OFFICIAL_OPENAPI,
  REPO_ROOT,
  type FixtureRegistry,
} from "../test/static-hosts/fixture.ts";
import { buildClientFiles } from "./client-files.ts";

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<
    string,
    { content?: Record<string, { schema?: { $ref: string }; examples?: Record<string, { $ref: string }> }> }
  >;
}
interface Doc {
  openapi: string;
  paths: Record<string, { get: Operation }>;
  components: { schemas: Record<string, unknown>; examples: Record<string, { value: unknown }> };
}

const doc = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "schemas/static-api.openapi.yaml"), "utf8")) as Doc;
const official = parseYaml(fs.readFileSync(OFFICIAL_OPENAPI, "utf8")) as Doc;
const ajv = new Ajv2020Module.default({ strict: false, allErrors: true });
addFormatsModule.default(ajv);
ajv.addSchema({ ...doc, $id: "static-api" });

function schemaOf(apiPath: string): string {
  const ref = doc.paths[apiPath]?.get.responses["200"]?.content?.["application/json"]?.schema?.$ref;
  if (!ref) throw new Error(`${apiPath}: no 200 application/json schema`);
  return ref;
}

function validate(ref: string, body: unknown, what: string) {
  const v = ajv.getSchema(`static-api${ref}`);
  if (!v) throw new Error(`unresolved ${ref}`);
  if (!v(body)) throw new Error(`${what} does not match ${ref}: ${ajv.errorsText(v.errors)}`);
}

/** The files a static path is stored as (build.ts URL scheme): list routes as .html + index.html. */
function filesFor(p: string): string[] {
  if (p.endsWith("/servers")) return [`${p}.html`, `${p}/index.html`];
  if (p.endsWith("/versions")) return [`${p}/index.html`];
  return [p];
}

/** `.json` twins and the client files (an output stage, not the API tree) are emitted under /v0.1 only. */
const prefixesFor = (template: string) =>
  (template.endsWith(".json") && !template.startsWith("/x/")) || template.includes("/clients/")
    ? ["v0.1"]
    : ["v0", "v0.1"];

/** Turn an OpenAPI path template into a matcher over decoded tree paths. */
function matcher(template: string): RegExp {
  const body = template
    .split(/(\{serverName\}|\{version\})/)
    .map((part) =>
      part === "{serverName}"
        ? "[^/]+/[^/]+"
        : part === "{version}"
          ? "[^/]+"
          : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^v0(?:\\.1)?${body}$`);
}

let fixture: FixtureRegistry;
/** The API tree and the client files the build's output stage adds (lib/client-files.ts). */
let tree: Map<string, string | Uint8Array>;
beforeAll(async () => {
  fixture = await buildFixtureRegistry();
  tree = new Map([...fixture.tree, ...buildClientFiles(fixture.model)]);
});
afterAll(() => fixture?.cleanup());

describe("schemas/static-api.openapi.yaml", () => {
  it("is OpenAPI 3.1 and every $ref resolves", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const refs = new Set<string>();
    JSON.stringify(doc, (k, v: unknown) => {
      if (k === "$ref" && typeof v === "string") refs.add(v);
      return v;
    });
    for (const ref of refs) {
      const target = ref
        .slice(2)
        .split("/")
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
    for (const name of Object.keys(doc.components.schemas))
      expect(ajv.getSchema(`static-api#/components/schemas/${name}`), name).toBeDefined();
  });

  it("carries the official response schemas verbatim", () => {
    const copied = Object.keys(doc.components.schemas).filter((k) => k in official.components.schemas);
    expect(copied).toEqual(expect.arrayContaining(["ServerList", "ServerResponse", "ServerDetail"]));
    for (const name of copied) expect(doc.components.schemas[name], name).toEqual(official.components.schemas[name]);
  });

  it("lists only paths the build emits, under /v0 and /v0.1, for every server and version", () => {
    const names = [...new Set(fixture.model.versions.map((r) => r.name))];
    const liveNames = names.filter((n) =>
      fixture.model.versions.some((r) => r.name === n && r.official.status !== "deleted"),
    );
    for (const template of Object.keys(doc.paths)) {
      const instances: string[] = [];
      if (!template.includes("{serverName}")) instances.push(template);
      else if (!template.includes("{version}"))
        for (const n of liveNames) instances.push(template.replace("{serverName}", n));
      else
        for (const r of fixture.model.versions)
          instances.push(template.replace("{serverName}", r.name).replace("{version}", r.version));
      expect(instances.length, template).toBeGreaterThan(0);
      for (const prefix of prefixesFor(template)) {
        for (const inst of instances)
          for (const file of filesFor(`${prefix}${inst}`)) expect(tree.has(file), `${template} → ${file}`).toBe(true);
      }
    }
  });

  it("describes every API file of the tree, and each body matches the declared response schema", () => {
    const templates = Object.keys(doc.paths).map((t) => ({ t, re: matcher(t) }));
    let checked = 0;
    for (const [file, body] of tree) {
      if (!/^v0(\.1)?\//.test(file)) continue;
      const route = file.replace(/\/index\.html$/, "").replace(/\.html$/, "");
      const found = templates.filter(({ re }) => re.test(route));
      expect(found.length, `${file} is not described`).toBeGreaterThan(0);
      // The most specific template (latest over {version}, .json over {version}) declares the schema.
      const best = found.sort(
        (a, b) => b.t.replace(/\{[^}]+\}/g, "").length - a.t.replace(/\{[^}]+\}/g, "").length,
      )[0]!;
      validate(schemaOf(best.t), JSON.parse(String(body)), file);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("has examples that match their schemas and the committed servers", () => {
    for (const [template, item] of Object.entries(doc.paths)) {
      const media = item.get.responses["200"]?.content?.["application/json"];
      for (const ex of Object.values(media?.examples ?? {})) {
        const name = ex.$ref.split("/").pop()!;
        const value = doc.components.examples[name]?.value;
        validate(schemaOf(template), value, `example ${name}`);
        const responses = (value as { servers?: Json[] }).servers ?? [value as Json];
        for (const r of responses) {
          const server = r["server"] as { name: string; version: string };
          const committed = JSON.parse(
            fs.readFileSync(path.join(REPO_ROOT, "servers", server.name, server.version, "server.json"), "utf8"),
          ) as unknown;
          expect(server, `example ${name}: ${server.name} ${server.version}`).toEqual(committed);
        }
      }
    }
    const meta = JSON.parse(String(fixture.tree.get("v0.1/x/io.github.mcp-static-registry/meta.json"))) as unknown;
    validate("#/components/schemas/RegistryMeta", meta, "meta.json");
    validate(
      "#/components/schemas/RegistryMeta",
      (
        doc.paths["/x/io.github.mcp-static-registry/meta.json"]?.get.responses["200"]?.content?.[
          "application/json"
        ] as { example?: unknown }
      ).example,
      "meta.json example",
    );
  });
});
