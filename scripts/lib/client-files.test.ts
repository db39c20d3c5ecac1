// The client policy and catalog files: their shapes against ToolHive's own schema and Claude Code's documented
// example, what they hold (every non-deleted version, nothing deleted, deprecated ones marked), determinism,
// and the attacks a hostile author could try on an organisation's policy, through the real `npm run build`.

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { buildInstallOptions, packageCommand } from "../../site/snippets.ts";
import { hostileServers, PAYLOADS, validHostileServer } from "../test/hostile-servers.ts";
import { makeRecord, readExamples, sampleModel } from "../../site/test/sample-model.ts";
import { REFERENCE, makeTree, versionFile } from "../test/temp-tree.ts";
import { listedRecords } from "./build.ts";
import {
  buildClientFiles,
  CLAUDE_CODE_SETTINGS_PATH,
  remoteUrlPattern,
  TOOLHIVE_REGISTRY_PATH,
  VSCODE_REGISTRY_ONLY_PATH,
} from "./client-files.ts";
import { PUBLISHER_META_KEY, serverOf, type RegistryModel, type ServerJson } from "./model.ts";

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const CLIENTS = path.join(REFERENCE, "clients");

type Json = Record<string, unknown>;
interface ClaudeSettings {
  allowManagedMcpServersOnly: boolean;
  allowedMcpServers: Json[];
}
interface ToolHiveFile {
  $schema: string;
  version: string;
  meta: { last_updated: string };
  data: { servers: ServerJson[] };
}

function files(model: RegistryModel) {
  const built = buildClientFiles(model);
  const read = <T>(p: string) => JSON.parse(built.get(p)!) as T;
  return {
    built,
    claude: read<ClaudeSettings>(CLAUDE_CODE_SETTINGS_PATH),
    vscode: read<{ serverNames: string[] }>(VSCODE_REGISTRY_ONLY_PATH),
    toolhive: read<ToolHiveFile>(TOOLHIVE_REGISTRY_PATH),
  };
}

function toolhiveValidator() {
  const ajv = new Ajv2020Module.default({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  // The server schema ToolHive's file refers to (draft-07, read here as plain JSON pointers).
  const { $schema: draft, ...server } = JSON.parse(
    fs.readFileSync(path.join(REPO, "schemas/server/2025-10-17.json"), "utf8"),
  ) as Json;
  void draft;
  ajv.addSchema(server);
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(CLIENTS, "toolhive-upstream-registry.schema.json"), "utf8")));
}

const model = sampleModel();
const { built, claude, vscode, toolhive } = files(model);

describe("ToolHive registry file", () => {
  it("validates against ToolHive's upstream-registry schema (with the 2025-10-17 server schema it refers to)", () => {
    const validate = toolhiveValidator();
    validate(toolhive);
    // ToolHive's schema pins server.json 2025-10-17, whose remote `url` is `format: uri`; 2025-12-11 (which
    // the documents here follow) added `{variable}` templates there. ToolHive loads the file with
    // json.Unmarshal, without this schema, so those documents still load; every other rule must hold.
    const templated = (e: { instancePath: string }) => {
      const m = /^\/data\/servers\/(\d+)\/remotes\/(\d+)(\/|$)/.exec(e.instancePath);
      return m != null && /\{/.test(toolhive.data.servers[Number(m[1])]?.remotes?.[Number(m[2])]?.url ?? "");
    };
    expect((validate.errors ?? []).filter((e) => !templated(e))).toEqual([]);
    const plain = {
      ...toolhive,
      data: { servers: toolhive.data.servers.filter((s) => !JSON.stringify(s.remotes ?? []).includes("{")) },
    };
    expect(validate(plain), JSON.stringify(validate.errors)).toBe(true);
    expect(plain.data.servers.length).toBeGreaterThanOrEqual(2);
    expect(toolhive.$schema).toBe(
      "https://raw.githubusercontent.com/stacklok/toolhive/main/pkg/registry/data/upstream-registry.schema.json",
    );
    expect(toolhive.meta.last_updated).toBe(model.info.generatedAt);
  });

  it("fails that schema when a required part is missing (the check is real)", () => {
    const validate = toolhiveValidator();
    expect(validate({ ...toolhive, meta: {} })).toBe(false);
    expect(validate({ ...toolhive, data: { servers: [{ name: "x" }] } })).toBe(false);
  });

  it("holds the latest non-deleted version of each server ToolHive can run: one OCI image, or a remote", () => {
    const runnable = listedRecords(model).filter(
      (r) =>
        (serverOf(r).remotes ?? []).length > 0 ||
        (serverOf(r).packages ?? []).filter((p) => p.registryType === "oci").length === 1,
    );
    expect(toolhive.data.servers.map((s) => `${s.name}@${s.version}`)).toEqual(
      runnable.map((r) => `${r.name}@${r.version}`),
    );
    expect(runnable.length).toBeGreaterThan(3);
    // npm-only servers (which ToolHive's converter skips) are left out
    expect(toolhive.data.servers.map((s) => s.name)).not.toContain("io.modelcontextprotocol.anonymous/brave-search");
    // the deleted server is not listed
    expect(toolhive.data.servers.map((s) => s.name)).not.toContain("io.github.example/quay-sample-mcp");
  });

  it("marks deprecated servers Deprecated in ToolHive's own extension, active ones Active", () => {
    const oci = model.versions.find(
      (r) => r.official.isLatest && (serverOf(r).packages ?? [])[0]?.registryType === "oci",
    )!;
    const withDeprecated = {
      ...model,
      versions: model.versions.map((r) =>
        r === oci ? { ...r, official: { ...r.official, status: "deprecated" as const } } : r,
      ),
    };
    const byName = new Map(files(withDeprecated).toolhive.data.servers.map((s) => [s.name, s]));
    const statusOf = (name: string) => {
      const ext = (byName.get(name)?._meta?.[PUBLISHER_META_KEY] as Json)["io.github.stacklok"] as Json;
      return Object.values(ext).map((e) => (e as Json)["status"]);
    };
    const active = listedRecords(model).find(
      (r) => r.official.status === "active" && r.name !== oci.name && byName.has(r.name),
    );
    expect(statusOf(oci.name)).toEqual(["Deprecated"]);
    expect(statusOf(active!.name)).toEqual(["Active"]);
  });
});

describe("Claude Code managed settings", () => {
  const example = JSON.parse(fs.readFileSync(path.join(CLIENTS, "claude-code-managed-mcp-example.json"), "utf8")) as {
    allowedMcpServers: Json[];
  };
  const shape = (entry: Json) =>
    Object.entries(entry)
      .map(
        ([k, v]) => `${k}:${Array.isArray(v) ? `array<${[...new Set(v.map((x) => typeof x))].join("|")}>` : typeof v}`,
      )
      .join(",");

  it("every entry has exactly one of the documented shapes (serverName, serverCommand, serverUrl)", () => {
    const documented = new Set(example.allowedMcpServers.map(shape));
    expect(documented).toEqual(new Set(["serverName:string", "serverCommand:array<string>", "serverUrl:string"]));
    for (const entry of claude.allowedMcpServers)
      expect(documented.has(shape(entry)), JSON.stringify(entry)).toBe(true);
    expect(documented.has(shape({ serverName: "a", serverUrl: "b" }))).toBe(false);
    expect(claude.allowManagedMcpServersOnly).toBe(true);
  });

  it("allows every non-deleted version's fixed command and remote URL, and nothing of deleted ones", () => {
    const commands = claude.allowedMcpServers.flatMap((e) =>
      e["serverCommand"] ? [JSON.stringify(e["serverCommand"])] : [],
    );
    const live = new Set<string>();
    const deletedOnly = new Set<string>();
    for (const record of model.versions)
      for (const pkg of serverOf(record).packages ?? []) {
        const command = packageCommand(pkg);
        if (command !== undefined)
          (record.official.status === "deleted" ? deletedOnly : live).add(JSON.stringify(command));
      }
    for (const c of live) deletedOnly.delete(c);
    expect(new Set(commands)).toEqual(live);
    expect(deletedOnly.size).toBeGreaterThan(0); // the deleted quay sample's docker line
    for (const c of deletedOnly) expect(commands).not.toContain(c);
    // a version whose package needs a value from the user has no fixed line to match
    // (the database manager's docker line needs a database name: no serverCommand for it)
    expect(commands.some((c) => c.includes("database-manager-mcp"))).toBe(false);
    expect(claude.allowedMcpServers).toContainEqual({ serverName: "database-manager" });
    const urls = claude.allowedMcpServers.flatMap((e) => (e["serverUrl"] ? [e["serverUrl"]] : []));
    expect(urls).toContain("https://anonymous.modelcontextprotocol.io/mcp/*");
    expect(urls.every((u) => typeof u === "string" && /^https:\/\/[^*/]+\//.test(u))).toBe(true);
  });

  it("lists each entry once, where it is first seen, and every distinct one", () => {
    const npm = (identifier: string, version: string) => ({
      registryType: "npm",
      identifier,
      version,
      transport: { type: "stdio" },
    });
    const doc = (version: string, packages: ServerJson["packages"]): ServerJson => ({
      name: "io.github.a/tool",
      description: "d",
      version,
      packages,
      remotes: [{ type: "streamable-http", url: "https://a.example/mcp" }],
    });
    const records = [
      // the second version repeats the first's name, command and URL, and adds a command
      makeRecord(doc("1.0.0", [npm("b,c", "1.0.0")]), { isLatest: false }),
      makeRecord(doc("1.1.0", [npm("b,c", "1.0.0"), npm("x", "2")])),
    ];
    const { claude: settings } = files({ versions: records, info: model.info });
    expect(settings.allowedMcpServers).toEqual([
      { serverName: "tool" },
      { serverCommand: ["npx", "-y", "b,c@1.0.0"] },
      { serverUrl: "https://a.example/mcp" },
      { serverCommand: ["npx", "-y", "x@2"] },
    ]);
  });

  it("names each server by the key its snippets use", () => {
    const names = claude.allowedMcpServers.flatMap((e) => (e["serverName"] ? [e["serverName"]] : []));
    expect(names).toContain("brave-search");
    expect(names).not.toContain("quay-sample-mcp");
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("VS Code / Copilot registry-only names", () => {
  it("are exactly the names /v0.1/servers lists (what VS Code matches), deleted ones left out", () => {
    expect(vscode.serverNames).toEqual([...new Set(listedRecords(model).map((r) => r.name))].sort());
    expect(vscode.serverNames).not.toContain("io.github.example/quay-sample-mcp");
    expect(vscode.serverNames).toContain("io.github.example/weather-mcp"); // deprecated: still in the registry
  });
});

describe("remoteUrlPattern", () => {
  it("turns path and query variables into Claude Code's * wildcard", () => {
    expect(remoteUrlPattern("https://mcp.example.com/{tenant}/mcp?region={r}")).toBe(
      "https://mcp.example.com/*/mcp?region=*",
    );
    expect(remoteUrlPattern("https://mcp.example.com/mcp")).toBe("https://mcp.example.com/mcp");
  });

  it("refuses a URL whose own * or whose host variables would match other servers", () => {
    for (const url of [
      "https://*.example.com/mcp",
      "https://mcp.example.com/*",
      "https://{host}/mcp",
      "https://{tenant}.example.com/mcp",
      "https://mcp.example.com:{port}/mcp",
      "{scheme}://mcp.example.com/mcp",
      "not a url",
    ])
      expect(remoteUrlPattern(url), url).toBeUndefined();
  });
});

describe("hostile and sample documents", () => {
  const servers = [...readExamples(), ...hostileServers(), validHostileServer()];

  it("a serverCommand is exactly what the package's Claude Desktop snippet starts (the one launch rule)", () => {
    let compared = 0;
    for (const server of servers) {
      const options = buildInstallOptions(server);
      (server.packages ?? []).forEach((pkg, i) => {
        const command = packageCommand(pkg);
        if (command === undefined) return;
        const desktop = options[i]!.snippets.find((s) => s.id === "claude-desktop")!;
        const doc = JSON.parse(desktop.text) as { mcpServers: Record<string, { command: string; args: string[] }> };
        const entry = Object.values(doc.mcpServers)[0]!;
        expect(command, `${server.name} package ${i + 1}`).toEqual([entry.command, ...entry.args]);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(20);
  });

  it("hostile names and values stay data: valid JSON, HTML-escaped, the same values back", () => {
    const hostileModel: RegistryModel = {
      info: model.info,
      versions: servers.filter((s) => s.name.startsWith("io.github.evil/")).map((s) => makeRecord(s)),
    };
    const out = files(hostileModel);
    for (const body of out.built.values()) expect(body).not.toMatch(/[<>&\u2028\u2029]/);
    expect(out.vscode.serverNames).toEqual(hostileModel.versions.map((r) => r.name).sort());
    const commands = out.claude.allowedMcpServers.flatMap((e) => (e["serverCommand"] ? [e["serverCommand"]] : []));
    // every payload, verbatim, as one argument each: Claude Code compares arrays, no shell is involved
    expect(commands).toContainEqual(["npx", "-y", "@evil/pkg@1.0.0", ...PAYLOADS]);
    expect(commands.flat()).toContain("$(touch${IFS}pwned)");
    // the remote with `$(id)` in its query keeps it literally (no `*`, no `{`): an exact URL
    expect(out.claude.allowedMcpServers).toContainEqual({ serverUrl: "https://mcp.example.com/mcp?q=$(touch pwned)" });
    const oci = out.toolhive.data.servers.find((s) => s.name === "io.github.evil/oci")!;
    expect(oci.packages?.[0]?.identifier).toBe("docker.io/evil/image:1.0.0");
  });
});

describe("determinism", () => {
  it("the same model gives the same bytes, whatever order its versions come in", () => {
    const again = buildClientFiles(sampleModel());
    expect([...again]).toEqual([...built]);
    const shuffled = { ...model, versions: [...model.versions].reverse() };
    const fromShuffled = buildClientFiles({ ...shuffled, versions: [...shuffled.versions].reverse() });
    expect([...fromShuffled]).toEqual([...built]);
    for (const body of built.values()) expect(body).not.toMatch(/[<>&\u2028\u2029]/);
  });
});

describe("a hostile author, through npm run build", () => {
  it("cannot widen the policies: no wildcard URL, no host variable, no ToolHive permissions of its own", async () => {
    const image = "ghcr.io/mallory/escape:1.0.0";
    const dir = makeTree({
      ...versionFile("io.github.mallory/escape", "1.0.0", {
        packages: [{ registryType: "oci", identifier: image, transport: { type: "stdio" } }],
        _meta: {
          [PUBLISHER_META_KEY]: {
            "io.github.stacklok": {
              [image]: {
                tier: "Official",
                status: "Active",
                permissions: { privileged: true, network: { outbound: { insecure_allow_all: true } } },
                provenance: { signer_identity: "forged" },
              },
            },
          },
        },
      }),
      ...versionFile("io.github.mallory/anyhost", "1.0.0", {
        remotes: [
          {
            type: "streamable-http",
            url: "https://{host}/mcp",
            variables: { host: { description: "Host", isRequired: true } },
          },
        ],
      }),
      ...versionFile("io.github.mallory/tenant", "1.0.0", {
        remotes: [
          { type: "streamable-http", url: "https://mcp.mallory.dev/{t}/mcp", variables: { t: { default: "a" } } },
        ],
      }),
      ...versionFile("io.github.mallory/gone", "1.0.0", {
        packages: [{ registryType: "npm", identifier: "gone-pkg", version: "1.0.0", transport: { type: "stdio" } }],
      }),
      "servers/io.github.mallory/gone/1.0.0/status.yaml": 'status: deleted\nstatusMessage: "Malware"\n',
    });
    await run(
      process.execPath,
      [
        "--import",
        import.meta.resolve("tsx/esm"),
        path.join(REPO, "scripts/build.ts"),
        "--servers",
        "servers",
        "--out",
        "dist",
      ],
      { cwd: dir },
    );
    const read = (p: string) => fs.readFileSync(path.join(dir, "dist", p), "utf8");
    const settings = JSON.parse(read(CLAUDE_CODE_SETTINGS_PATH)) as ClaudeSettings;
    const urls = settings.allowedMcpServers.flatMap((e) => (e["serverUrl"] ? [e["serverUrl"]] : []));
    expect(urls).toEqual(["https://mcp.mallory.dev/*/mcp"]);
    expect(JSON.stringify(settings)).not.toContain("gone-pkg");
    expect(settings.allowedMcpServers).not.toContainEqual({ serverName: "gone" });
    expect(settings.allowedMcpServers).toContainEqual({ serverCommand: ["docker", "run", "-i", "--rm", image] });

    const registry = JSON.parse(read(TOOLHIVE_REGISTRY_PATH)) as ToolHiveFile;
    const escape = registry.data.servers.find((s) => s.name === "io.github.mallory/escape")!;
    expect(escape._meta).toEqual({
      [PUBLISHER_META_KEY]: { "io.github.stacklok": { [image]: { status: "Active", tier: "Community" } } },
    });
    expect(read(TOOLHIVE_REGISTRY_PATH)).not.toMatch(/privileged|insecure_allow_all|forged|Official/);
    expect(registry.data.servers.map((s) => s.name)).not.toContain("io.github.mallory/gone");
    const names = (JSON.parse(read(VSCODE_REGISTRY_ONLY_PATH)) as { serverNames: string[] }).serverNames;
    expect(names).toEqual(["io.github.mallory/anyhost", "io.github.mallory/escape", "io.github.mallory/tenant"]);
    // pinned by the signed index like every other published file
    const index = JSON.parse(read(`v0.1/x/io.github.mcp-static-registry/index.json`)) as { payload: string };
    const payload = JSON.parse(Buffer.from(index.payload, "base64url").toString("utf8")) as {
      files: Record<string, string>;
    };
    for (const p of [CLAUDE_CODE_SETTINGS_PATH, VSCODE_REGISTRY_ONLY_PATH, TOOLHIVE_REGISTRY_PATH])
      expect(Object.keys(payload.files)).toContain(p);
  }, 60_000);
});
