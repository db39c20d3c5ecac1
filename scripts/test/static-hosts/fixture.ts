// A registry for the serve and static-host tests: the sample servers/ tree copied into a temp folder, plus
// the cases the sample lacks: a server with 40 versions, a version with build metadata (`1.0.3+build.7`, path `1.0.3%2Bbuild.7`), a
// server whose only version is deleted, and a second namespace that sorts between existing names. Times
// come from a fixed fake history (distinct per version) so updated_since and /versions order are testable.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import type { History, VersionTimes } from "../../lib/git-history.ts";
import type { RegistryModel } from "../../lib/model.ts";
import { buildRegistry } from "../../lib/pipeline.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The official generic registry OpenAPI (upstream docs/reference/api/openapi.yaml, verbatim). */
export const OFFICIAL_OPENAPI = path.join(REPO_ROOT, "schemas/registry-openapi.yaml");

export const PLUS_SERVER = "io.github.user/weather";
export const PLUS_VERSION = "1.0.3+build.7";
export const GONE_SERVER = "io.github.example/gone";
/** A server with more versions than the default page size (30), so paging is exercised. */
export const MANY_SERVER = "io.github.example/many";
export const MANY_VERSIONS = 40;

export interface FixtureRegistry {
  readonly dir: string;
  readonly model: RegistryModel;
  readonly tree: Map<string, string | Uint8Array>;
  /** Times assigned to each version folder (`ns/server/version`), for expectations. */
  readonly times: ReadonlyMap<string, VersionTimes>;
  cleanup(): void;
}

const BASE_EPOCH = Date.UTC(2025, 8, 1); // 2025-09-01

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

function versionDirs(serversDir: string): string[] {
  const out: string[] = [];
  for (const ns of fs.readdirSync(serversDir)) {
    for (const server of fs.readdirSync(path.join(serversDir, ns))) {
      for (const version of fs.readdirSync(path.join(serversDir, ns, server))) {
        if (fs.statSync(path.join(serversDir, ns, server, version)).isDirectory())
          out.push(`${ns}/${server}/${version}`);
      }
    }
  }
  return out.sort();
}

/** Distinct, deterministic times: the i-th version folder (sorted) is published i hours after the base. */
function fakeHistory(dirs: readonly string[]): { history: History; times: Map<string, VersionTimes> } {
  const times = new Map<string, VersionTimes>();
  dirs.forEach((d, i) => {
    const published = BASE_EPOCH + i * 3_600_000;
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
    times.set(d, {
      publishedAt: iso(published),
      updatedAt: iso(published + ((i * 7) % 13) * 86_400_000),
      statusChangedAt: iso(published),
    });
  });
  const history: History = {
    info: { gitCommit: "0123456789abcdef0123456789abcdef01234567", generatedAt: "2025-12-01T00:00:00Z", serial: 42 },
    notes: [],
    commits: [],
    readBlobs: () => new Map(),
    timesOf: (d) =>
      times.get(d) ?? {
        publishedAt: "2025-01-01T00:00:00Z",
        updatedAt: "2025-01-01T00:00:00Z",
        statusChangedAt: "2025-01-01T00:00:00Z",
      },
  };
  return { history, times };
}

export async function buildFixtureRegistry(options: { site?: Map<string, string> } = {}): Promise<FixtureRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-fixture-"));
  const serversDir = path.join(dir, "servers");
  fs.cpSync(path.join(REPO_ROOT, "servers"), serversDir, { recursive: true });
  for (const f of fs.readdirSync(serversDir, { recursive: true, withFileTypes: true })) {
    if (f.isFile() && f.name === "import.yaml") fs.rmSync(path.join(f.parentPath, f.name));
  }
  const base = {
    $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
    description: "MCP server providing weather data and forecasts.",
  };
  writeJson(path.join(serversDir, PLUS_SERVER, PLUS_VERSION, "server.json"), {
    ...base,
    name: PLUS_SERVER,
    version: PLUS_VERSION,
  });
  writeJson(path.join(serversDir, GONE_SERVER, "1.0.0", "server.json"), {
    ...base,
    name: GONE_SERVER,
    description: "Withdrawn.",
    version: "1.0.0",
  });
  fs.writeFileSync(
    path.join(serversDir, GONE_SERVER, "1.0.0", "status.yaml"),
    'status: deleted\nstatusMessage: "Withdrawn by its author."\n',
  );
  for (let i = 0; i < MANY_VERSIONS; i++) {
    writeJson(path.join(serversDir, MANY_SERVER, `0.${i}.0`, "server.json"), {
      ...base,
      name: MANY_SERVER,
      description: "Many versions.",
      version: `0.${i}.0`,
    });
  }

  const { history, times } = fakeHistory(versionDirs(serversDir));
  const site = options.site;
  const outcome = await buildRegistry({
    serversDir: "servers",
    cwd: dir,
    history,
    ...(site
      ? {
          extra: async (_model, _history, _pool, put) => {
            for (const [p, body] of site) put(p, body);
          },
        }
      : {}),
  });
  if (outcome.kind !== "built") {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `fixture registry does not build:\n${outcome.diagnostics.map((d) => JSON.stringify(d)).join("\n")}`,
    );
  }
  return {
    dir,
    model: outcome.model,
    tree: outcome.tree,
    times,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Validators for the official response shapes (ServerList, ServerResponse) of the reference OpenAPI file. */
export function officialValidators() {
  const openapi = parseYaml(fs.readFileSync(OFFICIAL_OPENAPI, "utf8")) as object;
  const ajv = new Ajv2020Module.default({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  ajv.addSchema({ ...openapi, $id: "openapi" });
  const list = ajv.getSchema("openapi#/components/schemas/ServerList");
  const one = ajv.getSchema("openapi#/components/schemas/ServerResponse");
  if (!list || !one) throw new Error("openapi.yaml: ServerList or ServerResponse missing");
  const check = (validate: typeof list, what: string) => (body: unknown) => {
    if (!validate(body))
      throw new Error(`${what} does not match the official schema: ${ajv.errorsText(validate.errors)}`);
  };
  return { serverList: check(list, "ServerList"), serverResponse: check(one, "ServerResponse") };
}
