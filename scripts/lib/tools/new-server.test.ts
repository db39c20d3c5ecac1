import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { makeTree, tempDir, versionFile } from "../../test/temp-tree.ts";
import { fsTreeReader } from "../load.ts";
import {
  draftServer,
  interview,
  normalizeRepositoryUrl,
  readCargoToml,
  readCsproj,
  readImageReference,
  readPackageJson,
  readPyproject,
  validateDraft,
  type ManifestFacts,
} from "./new-server.ts";

/** A repository with no servers yet (the folder does not exist). */
const emptyTree = () => fsTreeReader(path.join(tempDir(), "servers"), "servers");

function ok(facts: ManifestFacts, options = {}) {
  const d = draftServer(facts, options);
  if (d.kind !== "ok") throw new Error(d.problems.join("; "));
  return d;
}

describe("manifests", () => {
  it("package.json: name, version, description, repository, mcpName", () => {
    const facts = readPackageJson(
      JSON.stringify({
        name: "@alice/weather",
        version: "1.2.0",
        description: "Weather for MCP",
        repository: { type: "git", url: "git+https://github.com/alice/weather.git" },
        mcpName: "io.github.alice/weather",
      }),
    );
    const d = ok(facts);
    expect(d.doc).toEqual({
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
      name: "io.github.alice/weather",
      description: "Weather for MCP",
      repository: { url: "https://github.com/alice/weather", source: "github" },
      version: "1.2.0",
      packages: [{ registryType: "npm", identifier: "@alice/weather", version: "1.2.0", transport: { type: "stdio" } }],
    });
    expect(d.advice[0]).toContain('already declares "mcpName": "io.github.alice/weather"');
    expect(validateDraft(d.doc, emptyTree()).diagnostics).toEqual([]);
  });
  it("package.json without mcpName: the name comes from the GitHub repository, and the advice says to add mcpName", () => {
    const d = ok(
      readPackageJson(
        JSON.stringify({
          name: "weather-mcp",
          version: "0.1.0",
          description: "d",
          repository: "github:Alice/weather-mcp",
        }),
      ),
    );
    expect(d.doc.name).toBe("io.github.Alice/weather-mcp");
    expect(d.advice).toEqual([
      "Add this to package.json and publish version 0.1.0 to npm:",
      '  "mcpName": "io.github.Alice/weather-mcp"',
    ]);
  });
  it("pyproject.toml: [project] table; README line advice", () => {
    const text =
      '[build-system]\nrequires = ["hatchling"]\n\n[project]\nname = "weather-mcp"\nversion = "1.2.0"  # released\ndescription = \'Weather tools\'\n\n[project.urls]\nRepository = "https://github.com/alice/weather-mcp"\n';
    const d = ok(readPyproject(text));
    expect(d.doc.packages?.[0]).toEqual({
      registryType: "pypi",
      identifier: "weather-mcp",
      version: "1.2.0",
      transport: { type: "stdio" },
    });
    expect(d.doc.name).toBe("io.github.alice/weather-mcp");
    expect(d.advice).toContain("  mcp-name: io.github.alice/weather-mcp");
    expect(validateDraft(d.doc, emptyTree()).diagnostics).toEqual([]);
  });
  it("pyproject.toml with a dynamic version asks for --version", () => {
    const facts = readPyproject('[project]\nname = "w"\ndynamic = ["version"]\ndescription = "d"\n');
    const d = draftServer(facts, { name: "io.github.a/w" });
    expect(d.kind === "invalid" && d.problems.join()).toContain("pass --version");
    expect(draftServer(facts, { name: "io.github.a/w", version: "2.0.0" }).kind).toBe("ok");
  });
  it("Cargo.toml: [package]; crates.io README advice", () => {
    const d = ok(
      readCargoToml(
        '[package]\nname = "weather-mcp"\nversion = "0.3.1"\ndescription = "Weather"\nrepository = "https://github.com/alice/weather-mcp"\n\n[dependencies]\nname = "not this"\n',
      ),
    );
    expect(d.doc.packages?.[0]).toMatchObject({ registryType: "cargo", identifier: "weather-mcp", version: "0.3.1" });
    expect(d.advice[0]).toContain("crates.io");
    expect(validateDraft(d.doc, emptyTree()).diagnostics).toEqual([]);
  });
  it("pyproject.toml: inline tables, multi-line strings, quoted keys and comments are read as TOML", () => {
    const text = [
      "[project]",
      'name = "weather-mcp"',
      "version = '1.2.0' # released",
      'description = """Weather tools \\',
      '    for MCP"""',
      'authors = [{ name = "Alice", email = "a@example.com" }]',
      'urls = { "Source Code" = "https://github.com/alice/weather-mcp", Docs = "https://example.com" }',
      "",
      "[tool.hatch]",
      'name = "not this"',
    ].join("\n");
    const facts = readPyproject(text);
    expect(facts).toMatchObject({
      identifier: "weather-mcp",
      version: "1.2.0",
      description: "Weather tools for MCP",
      repositoryUrl: "https://github.com/alice/weather-mcp",
    });
    const literal = readPyproject("[project]\nname = 'w'\ndescription = '''\nLine one\n'quoted''''\n");
    expect(literal.description).toBe("Line one\n'quoted'");
  });
  it("Cargo.toml: an inline package table, and a workspace version as inline table or dotted key", () => {
    expect(
      readCargoToml('package = { name = "weather-mcp", version = "0.3.1", description = "Weather" }\n'),
    ).toMatchObject({ identifier: "weather-mcp", version: "0.3.1", description: "Weather" });
    for (const version of ["version = { workspace = true }", "version.workspace = true"]) {
      const facts = readCargoToml(`[package]\nname = "w"\n${version}\ndescription = "d"\n`);
      expect(facts.version).toBeUndefined();
      expect(facts.notes.join()).toContain("pass --version");
    }
    expect(readCargoToml('[package]\nname = "w"\nversion = "1.0.0"\n').notes).toEqual([]);
  });
  it("a manifest that is not valid TOML: an error naming the file, line and column", () => {
    expect(() => readCargoToml('[package]\nname = "w"\nversion = = "1"\n', "crates/w/Cargo.toml")).toThrow(
      /^crates\/w\/Cargo\.toml:3:\d+: not valid TOML: .*Fix the file/,
    );
    expect(() => readPyproject('[project]\nname = "w"\nname = "again"\n')).toThrow(
      /^pyproject\.toml:3:\d+: not valid TOML/,
    );
    expect(() => readPyproject('[project]\nname = "w"\n')).not.toThrow();
  });
  it(".csproj: PackageId, Version, Description; NuGet README advice", () => {
    const d = ok(
      readCsproj(
        "<Project><PropertyGroup><PackageId>Alice.Weather</PackageId><Version>1.0.0</Version><Description>Weather &amp; tides</Description><RepositoryUrl>https://github.com/alice/weather</RepositoryUrl></PropertyGroup></Project>",
        "Weather.csproj",
      ),
    );
    expect(d.doc.description).toBe("Weather & tides");
    expect(d.doc.packages?.[0]).toMatchObject({ registryType: "nuget", identifier: "Alice.Weather", version: "1.0.0" });
    expect(d.advice[0]).toContain("PackageReadmeFile");
  });
  it("image reference: identifier with tag, no package version, the Dockerfile LABEL advice", () => {
    const d = ok(readImageReference("ghcr.io/alice/weather:1.4.0"), {
      name: "io.github.alice/weather",
      description: "Weather",
    });
    expect(d.doc.version).toBe("1.4.0");
    expect(d.doc.packages?.[0]).toEqual({
      registryType: "oci",
      identifier: "ghcr.io/alice/weather:1.4.0",
      transport: { type: "stdio" },
    });
    expect(d.advice[1]).toBe('  LABEL io.modelcontextprotocol.server.name="io.github.alice/weather"');
    expect(readImageReference("alice/weather:2").identifier).toBe("docker.io/alice/weather:2");
    expect(validateDraft(d.doc, emptyTree()).diagnostics).toEqual([]);
  });
  it("an image without a tag, a manifest without a name or description: clear problems", () => {
    expect(
      draftServer(readImageReference("ghcr.io/alice/weather"), { name: "io.github.alice/weather", description: "d" }),
    ).toMatchObject({ kind: "invalid", problems: expect.arrayContaining([expect.stringContaining("has no tag")]) });
    const d = draftServer(readPackageJson('{"name":"x","version":"1.0.0"}'), {});
    expect(d.kind === "invalid" && d.problems.map((p) => p.split(":")[0])).toEqual([
      "no server name",
      "no description in the manifest",
    ]);
    expect(() => readPackageJson("{")).toThrow("package.json is not valid JSON");
  });
  it("http transports get a URL", () => {
    const d = ok(readPackageJson('{"name":"x","version":"1.0.0","description":"d"}'), {
      name: "io.github.a/x",
      transport: "streamable-http",
      transportUrl: "http://localhost:3000/mcp",
    });
    expect(d.doc.packages?.[0]?.transport).toEqual({ type: "streamable-http", url: "http://localhost:3000/mcp" });
  });
});

describe("validation against the tree", () => {
  it("reports what CI would: a name that differs only in case from an existing server, and a bad version folder", () => {
    const dir = makeTree({ ...versionFile("io.github.alice/weather", "1.0.0") });
    const tree = fsTreeReader(path.join(dir, "servers"), "servers");
    const d = ok(readPackageJson('{"name":"x","version":"1.0.0","description":"d"}'), {
      name: "io.github.alice/Weather",
    });
    expect(validateDraft(d.doc, tree).diagnostics.map((x) => x.code)).toContain("tree/name-case-conflict");
    const latest = ok(readPackageJson('{"name":"x","version":"latest","description":"d"}'), {
      name: "io.github.alice/other",
    });
    expect(validateDraft(latest.doc, tree).diagnostics.length).toBeGreaterThan(0);
  });
});

describe("normalizeRepositoryUrl", () => {
  it.each([
    ["git+https://github.com/a/b.git", "https://github.com/a/b"],
    ["git@github.com:a/b.git", "https://github.com/a/b"],
    ["gitlab:a/b", "https://gitlab.com/a/b"],
    ["a/b", "https://github.com/a/b"],
  ])("%s", (input, url) => expect(normalizeRepositoryUrl(input)?.url).toBe(url));
  it("ignores hosts the schema has no source for", () =>
    expect(normalizeRepositoryUrl("https://example.com/a/b")).toBeUndefined());
});

describe("interview", () => {
  it("asks for what no manifest gives", async () => {
    const answers = ["PyPI?", "pypi", "weather-mcp", "1.0.0", "io.github.alice/weather", "Weather tools", ""];
    const asked: string[] = [];
    const { facts, options } = await interview(async (q, fallback) => {
      asked.push(q);
      const a = answers.shift() ?? "";
      return a === "" && fallback !== undefined ? fallback : a;
    });
    expect(asked[0]).toContain("Package type"); // asked again after an answer that is not a type
    const d = ok(facts, options);
    expect(d.doc).toMatchObject({
      name: "io.github.alice/weather",
      version: "1.0.0",
      description: "Weather tools",
      packages: [{ registryType: "pypi", identifier: "weather-mcp", transport: { type: "stdio" } }],
    });
  });
});

describe("npm run new", () => {
  const run = promisify(execFile);
  const script = path.resolve(import.meta.dirname, "../../new.ts");
  it("writes the validated server.json, prints the back-reference, and never overwrites", async () => {
    const dir = makeTree({
      "pkg/package.json": JSON.stringify({
        name: "@alice/weather",
        version: "1.2.0",
        description: "Weather",
        mcpName: "io.github.alice/weather",
      }),
      "servers/.gitkeep": "",
    });
    fs.rmSync(path.join(dir, "servers/.gitkeep"));
    const cli = (...args: string[]) =>
      run(process.execPath, ["--import", import.meta.resolve("tsx/esm"), script, ...args], { cwd: dir });
    const { stdout } = await cli("--from", "pkg/package.json");
    expect(stdout).toContain("wrote servers/io.github.alice/weather/1.2.0/server.json");
    expect(stdout).toContain('already declares "mcpName"');
    expect(
      JSON.parse(fs.readFileSync(path.join(dir, "servers/io.github.alice/weather/1.2.0/server.json"), "utf8"))
        .packages[0].identifier,
    ).toBe("@alice/weather");
    const again = await cli("--from", "pkg/package.json").catch((e: { code: number; stderr: string }) => e);
    expect(again).toMatchObject({ code: 1 });
    expect((again as { stderr: string }).stderr).toContain("already exists");
    const bad = await cli("--from", "pkg/package.json", "--version", "latest").catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { stderr: string }).stderr).toContain("was not written");
  }, 30_000);
  it("reads a pyproject.toml with inline tables, and refuses broken TOML with one line naming the file", async () => {
    const dir = makeTree({
      "py/pyproject.toml":
        '[project]\nname = "weather-mcp"\nversion = "1.2.0"\ndescription = """\nWeather tools"""\nurls = { Repository = "https://github.com/alice/weather-mcp" }\n',
      "bad/pyproject.toml": '[project]\nname = "w\n',
    });
    const cli = (...args: string[]) =>
      run(process.execPath, ["--import", import.meta.resolve("tsx/esm"), script, ...args], { cwd: dir });
    const { stdout } = await cli("--from", "py/pyproject.toml");
    expect(stdout).toContain("wrote servers/io.github.alice/weather-mcp/1.2.0/server.json");
    expect(
      JSON.parse(fs.readFileSync(path.join(dir, "servers/io.github.alice/weather-mcp/1.2.0/server.json"), "utf8"))
        .description,
    ).toBe("Weather tools");
    const bad = await cli("--from", "bad/pyproject.toml").catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    const stderr = (bad as { stderr: string }).stderr;
    expect(stderr).toMatch(/bad\/pyproject\.toml:2:\d+: not valid TOML/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toContain("    at ");
  }, 30_000);
});
