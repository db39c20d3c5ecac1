import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, type Diagnostic } from "./diagnostics.ts";
import { checkTree } from "./pipeline.ts";
import type { TreeDiagnostic } from "./validate.ts";
import { REFERENCE, makeTree, serverJson, tempDir, versionFile } from "../test/temp-tree.ts";

function validateDir(dir: string): Diagnostic[] {
  return checkTree("servers", dir).diagnostics;
}
const errorCodes = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error").map((d) => d.code);
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;

describe("reference examples", () => {
  const valid = [
    ...fs.readdirSync(path.join(REFERENCE, "examples/valid")).map((f) => `examples/valid/${f}`),
    ...fs
      .readdirSync(path.join(REFERENCE, "examples/generic-server-json"))
      .map((f) => `examples/generic-server-json/${f}`),
  ];

  it.each(valid)("%s passes at the path its name implies", (rel) => {
    const doc = readJson(path.join(REFERENCE, rel));
    const dir = makeTree({
      [`servers/${String(doc["name"])}/${String(doc["version"])}/server.json`]: fs.readFileSync(
        path.join(REFERENCE, rel),
      ),
    });
    expect(validateDir(dir)).toEqual([]);
  });

  // The invalid examples have no $schema either; each must fail with its own rule.
  it.each([
    ["bad-name-pattern.json", "schema/pattern"],
    ["bad-name-pattern.json", "name/missing-slash"],
    ["description-too-long.json", "schema/max-length"],
    ["missing-name.json", "schema/required"],
    ["package-version-latest.json", "version/reserved"],
    ["positional-argument-missing-value.json", "schema/required"],
  ])("examples/invalid/%s fails with %s", (file, code) => {
    const bytes = fs.readFileSync(path.join(REFERENCE, "examples/invalid", file));
    const doc = readJson(path.join(REFERENCE, "examples/invalid", file));
    const name =
      typeof doc["name"] === "string" && doc["name"].includes("/") ? doc["name"] : "io.github.user/placeholder";
    const dir = makeTree({ [`servers/${name}/1.0.0/server.json`]: bytes });
    const codes = errorCodes(validateDir(dir));
    expect(codes).toContain(code);
    expect(codes).toContain("schema/missing");
  });
});

describe("$schema versions", () => {
  const base = (schema: string | undefined) => {
    const doc = serverJson("io.github.user/srv", "1.0.0");
    if (schema === undefined) delete doc["$schema"];
    else doc["$schema"] = schema;
    return validateDir(makeTree({ "servers/io.github.user/srv/1.0.0/server.json": doc }));
  };
  it.each(["2025-09-29", "2025-10-11", "2025-10-17"])("accepts %s with a not-current warning", (v) => {
    const ds = base(`https://static.modelcontextprotocol.io/schemas/${v}/server.schema.json`);
    expect(ds.map((d) => [d.severity, d.code])).toEqual([["warning", "schema/not-current"]]);
  });
  it("accepts the current schema without a warning", () => {
    expect(base("https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json")).toEqual([]);
  });
  it("validates against the schema it names: 2025-07-09 wants snake_case fields", () => {
    const doc = {
      ...serverJson("io.github.user/srv", "1.0.0"),
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-07-09/server.schema.json",
      packages: [{ registry_type: "npm", identifier: "x", version: "1.0.0", transport: { type: "stdio" } }],
    };
    const ds = validateDir(makeTree({ "servers/io.github.user/srv/1.0.0/server.json": doc }));
    expect(ds.filter((d) => d.severity === "error")).toEqual([]);
  });
  it.each([
    ["missing", undefined, "schema/missing"],
    ["draft", "https://static.modelcontextprotocol.io/schemas/draft/server.schema.json", "schema/unknown-version"],
    ["not a schema URL", "https://example.com/whatever.json", "schema/unknown-version"],
  ])("rejects %s $schema", (_n, url, code) => {
    expect(errorCodes(base(url))).toEqual([code]);
  });
});

describe("layout and input hygiene", () => {
  const ok = versionFile("io.github.user/ok", "1.0.0");

  it("a clean tree has no diagnostics", () => {
    expect(validateDir(makeTree(ok))).toEqual([]);
  });

  it.each([
    [
      "name differs from the path",
      { "servers/io.github.user/alpha/1.0.0/server.json": serverJson("io.github.user/beta", "1.0.0") },
      "layout/name-mismatch",
    ],
    [
      "version differs from the folder",
      { "servers/io.github.user/alpha/1.0.0/server.json": serverJson("io.github.user/alpha", "1.0.1") },
      "layout/version-mismatch",
    ],
    ["a file outside a version folder", { "servers/io.github.user/README.md": "hi" }, "layout/unexpected-file"],
    [
      "an unknown file in a version folder",
      { ...ok, "servers/io.github.user/ok/1.0.0/notes.txt": "x" },
      "layout/unexpected-file",
    ],
    [
      "a folder inside a version folder",
      { ...ok, "servers/io.github.user/ok/1.0.0/sub/x.json": "{}" },
      "layout/unexpected-folder",
    ],
    [
      "a version folder without server.json",
      { "servers/io.github.user/alpha/1.0.0/status.yaml": "status: active\n" },
      "layout/missing-server-json",
    ],
    [
      "a hidden version folder",
      { "servers/io.github.user/alpha/.1.0.0/server.json": "{}" },
      "layout/bad-version-folder",
    ],
    [
      "a version with a control character",
      { "servers/io.github.user/alpha/1.0\u0001/server.json": "{}" },
      "layout/bad-version-folder",
    ],
    [
      "a version with a backslash",
      { "servers/io.github.user/alpha/1\\0/server.json": "{}" },
      "layout/bad-version-folder",
    ],
    ["a version with %", { "servers/io.github.user/alpha/1.0%2F/server.json": "{}" }, "layout/bad-version-folder"],
    [
      "a version ending in .json",
      { "servers/io.github.user/alpha/1.0.json/server.json": "{}" },
      "layout/bad-version-folder",
    ],
    [
      "a version named latest",
      { "servers/io.github.user/alpha/latest/server.json": "{}" },
      "layout/bad-version-folder",
    ],
    ["a bad namespace folder", { "servers/-bad/a/1.0.0/server.json": "{}" }, "layout/bad-namespace-folder"],
    ["a bad server folder", { "servers/io.github.user/_a/1.0.0/server.json": "{}" }, "layout/bad-server-folder"],
    [
      "versions that differ only in case",
      { ...versionFile("io.github.user/alpha", "1.0.0-RC1"), ...versionFile("io.github.user/alpha", "1.0.0-rc1") },
      "layout/version-case-conflict",
    ],
    [
      "a server.json over 64 KiB",
      {
        "servers/io.github.user/alpha/1.0.0/server.json": JSON.stringify({
          ...serverJson("io.github.user/alpha", "1.0.0"),
          x: "y".repeat(70_000),
        }),
      },
      "file/too-large",
    ],
    [
      "a BOM",
      {
        "servers/io.github.user/alpha/1.0.0/server.json":
          "\ufeff" + JSON.stringify(serverJson("io.github.user/alpha", "1.0.0")),
      },
      "json/bom",
    ],
    [
      "bytes that are not UTF-8",
      { "servers/io.github.user/alpha/1.0.0/server.json": Buffer.from('{"name":"caf\xe9"}', "latin1") },
      "json/not-utf8",
    ],
    [
      "a duplicate key",
      {
        "servers/io.github.user/alpha/1.0.0/server.json":
          '{"name":"io.github.user/alpha","name":"io.github.user/alpha"}',
      },
      "json/duplicate-key",
    ],
    [
      "a lone surrogate",
      { "servers/io.github.user/alpha/1.0.0/server.json": '{"description":"\\udc94"}' },
      "json/lone-surrogate",
    ],
    ["a JSON syntax error", { "servers/io.github.user/alpha/1.0.0/server.json": '{"name": }' }, "json/syntax"],
    ["a document that is not an object", { "servers/io.github.user/alpha/1.0.0/server.json": "[]" }, "schema/type"],
  ])("rejects %s", (_name, files, code) => {
    expect(errorCodes(validateDir(makeTree(files as Record<string, string>)))).toContain(code);
  });

  it("rejects a symlink, even one pointing inside the tree, and never reads through it", () => {
    const dir = makeTree(ok);
    const secret = path.join(tempDir(), "secret.json");
    fs.writeFileSync(secret, JSON.stringify(serverJson("io.github.user/x", "1.0.0")));
    fs.mkdirSync(path.join(dir, "servers/io.github.user/x/1.0.0"), { recursive: true });
    fs.symlinkSync(secret, path.join(dir, "servers/io.github.user/x/1.0.0/server.json"));
    fs.symlinkSync("/etc", path.join(dir, "servers/io.github.user/etc"));
    const ds = validateDir(dir);
    expect(ds.filter((d) => d.code === "file/symlink").map((d) => d.file)).toEqual([
      "servers/io.github.user/etc",
      "servers/io.github.user/x/1.0.0/server.json",
    ]);
  });

  it("rejects a file that is not regular (a FIFO) without blocking on it", () => {
    const dir = makeTree(ok);
    const fifo = path.join(dir, "servers/io.github.user/ok/1.0.0/server.json.sig");
    const { status } = spawnSync("mkfifo", [fifo]);
    if (status !== 0) return; // mkfifo unavailable: nothing to test here
    expect(errorCodes(validateDir(dir))).toContain("file/not-regular");
  });

  it("rejects an executable server.json", () => {
    const dir = makeTree(ok);
    fs.chmodSync(path.join(dir, "servers/io.github.user/ok/1.0.0/server.json"), 0o755);
    expect(errorCodes(validateDir(dir))).toEqual(["file/executable"]);
  });

  it("reports path:line:col, the rule and a hint, pointing at the offending value", () => {
    const text =
      '{\n  "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",\n  "name": "io.github.user/alpha",\n  "description": "d",\n  "version": "1.0.0",\n  "websiteUrl": "http://example.com"\n}\n';
    const ds = validateDir(makeTree({ "servers/io.github.user/alpha/1.0.0/server.json": text }));
    expect(ds).toHaveLength(1);
    expect(formatDiagnostic(ds[0]!)).toMatch(
      /^servers\/io\.github\.user\/alpha\/1\.0\.0\/server\.json:6:17: error \[website-url\/not-https\] .*\n {4}hint: .+/,
    );
  });

  it("reports every problem of every file in one run", () => {
    const dir = makeTree({
      "servers/io.github.user/alpha/1.0.0/server.json": '{"name": "io.github.user/alpha", "name": 1}',
      "servers/io.github.user/beta/2.0.0/server.json": serverJson("io.github.user/beta", "2.0.0", {
        version: "^2.0.0",
        title: " ",
      }),
    });
    const codes = errorCodes(validateDir(dir));
    expect(codes).toEqual(
      expect.arrayContaining([
        "json/duplicate-key",
        "layout/version-mismatch",
        "version/range",
        "title/whitespace-only",
      ]),
    );
  });
});

describe("status.yaml", () => {
  const withStatus = (yaml: string) =>
    validateDir(
      makeTree({
        ...versionFile("io.github.user/alpha", "1.0.0"),
        "servers/io.github.user/alpha/1.0.0/status.yaml": yaml,
      }),
    );
  it.each([
    ["status: deprecated\n"],
    ['status: deprecated\nstatusMessage: "Use 2.0.0"\n'],
    ["status: deleted\nstatusMessage: spam\n"],
    ["status: active\n"],
  ])("accepts %j", (yaml) => {
    expect(withStatus(yaml)).toEqual([]);
  });
  it.each([
    ["status: active\nstatusMessage: why\n", "status/not"],
    ["status: retired\n", "status/enum"],
    ["statusMessage: x\n", "status/required"],
    ["status: deprecated\nreason: x\n", "status/additional-properties"],
    [`status: deprecated\nstatusMessage: "${"x".repeat(501)}"\n`, "status/max-length"],
    ["status: deprecated\nstatus: deleted\n", "yaml/duplicate-key"],
    ["status: [deprecated\n", "yaml/syntax"],
  ])("rejects %j with %s", (yaml, code) => {
    expect(errorCodes(withStatus(yaml))).toContain(code);
  });
  it("points at the offending line", () => {
    const ds = withStatus("# deprecated on purpose\nstatus: active\nstatusMessage: why\n");
    expect(ds[0]).toMatchObject({ code: "status/not", line: 3 });
  });
});

describe("rules across the tree", () => {
  const remote = (url: string) => ({ remotes: [{ type: "streamable-http", url }] });

  it("rejects names that differ only in case, on every member, naming the other file", () => {
    const ds = validateDir(
      makeTree({
        ...versionFile("io.github.user/Weather", "1.0.0"),
        ...versionFile("io.github.user/weather", "1.0.0"),
      }),
    );
    expect(errorCodes(ds)).toEqual(["tree/name-case-conflict", "tree/name-case-conflict"]);
    expect(ds.map((d) => [d.file, (d as TreeDiagnostic).otherFiles])).toEqual([
      ["servers/io.github.user/Weather/1.0.0/server.json", ["servers/io.github.user/weather/1.0.0/server.json"]],
      ["servers/io.github.user/weather/1.0.0/server.json", ["servers/io.github.user/Weather/1.0.0/server.json"]],
    ]);
    expect(ds[0]!.message).toContain("servers/io.github.user/weather/1.0.0/server.json");
  });
  it("rejects namespaces that differ only in case, whatever the server names", () => {
    const ds = validateDir(
      makeTree({ ...versionFile("io.github.HP/aa", "1.0.0"), ...versionFile("io.github.hp/bb", "1.0.0") }),
    );
    expect(ds.map((d) => [d.code, d.file])).toEqual([
      ["tree/namespace-case-conflict", "servers/io.github.HP/aa/1.0.0/server.json"],
      ["tree/namespace-case-conflict", "servers/io.github.hp/bb/1.0.0/server.json"],
    ]);
    expect(ds[0]!.message).toContain('"io.github.hp" (servers/io.github.hp/bb/1.0.0/server.json)');
  });
  it("accepts servers of one namespace spelled one way", () => {
    expect(
      validateDir(makeTree({ ...versionFile("io.github.hp/aa", "1.0.0"), ...versionFile("io.github.hp/bb", "1.0.0") })),
    ).toEqual([]);
  });
  it.each([
    ["ß and ss", "1.0.0-straße", "1.0.0-strasse"],
    ["the Kelvin sign and k", "1.0.0-\u212a", "1.0.0-k"],
    ["dotless ı and i (NTFS upper-cases ı to I)", "1.0.0-\u0131", "1.0.0-i"],
    ["NFD and NFC", "1.0.0-e\u0301", "1.0.0-\u00e9"],
  ])("treats version folders that differ by %s as one", (_what, a, b) => {
    expect(
      errorCodes(
        validateDir(makeTree({ ...versionFile("io.github.user/alpha", a), ...versionFile("io.github.user/alpha", b) })),
      ),
    ).toContain("layout/version-case-conflict");
  });
  it("reports every version folder of a case clash, naming the other", () => {
    const ds = validateDir(
      makeTree({
        ...versionFile("io.github.user/alpha", "1.0.0-RC1"),
        ...versionFile("io.github.user/alpha", "1.0.0-rc1"),
      }),
    );
    expect(ds.map((d) => [d.code, d.file])).toEqual([
      ["layout/version-case-conflict", "servers/io.github.user/alpha/1.0.0-RC1"],
      ["layout/version-case-conflict", "servers/io.github.user/alpha/1.0.0-rc1"],
    ]);
    expect(ds[0]!.message).toContain("servers/io.github.user/alpha/1.0.0-rc1");
    expect(ds[1]!.message).toContain("servers/io.github.user/alpha/1.0.0-RC1");
  });
  it("keeps dotted İ apart from i (full case folding maps İ to i + U+0307)", () => {
    expect(
      errorCodes(
        validateDir(
          makeTree({
            ...versionFile("io.github.user/alpha", "1.0.0-\u0130"),
            ...versionFile("io.github.user/alpha", "1.0.0-i"),
          }),
        ),
      ),
    ).toEqual([]);
  });
  it("accepts two different names", () => {
    expect(
      validateDir(
        makeTree({ ...versionFile("io.github.user/alpha", "1.0.0"), ...versionFile("io.github.user/beta", "1.0.0") }),
      ),
    ).toEqual([]);
  });
  it("rejects a remote URL used by two servers", () => {
    const ds = validateDir(
      makeTree({
        ...versionFile("io.github.user/alpha", "1.0.0", remote("https://mcp.example.com/")),
        ...versionFile("io.github.user/beta", "1.0.0", remote("https://mcp.example.com/")),
      }),
    );
    expect(errorCodes(ds)).toEqual(["tree/remote-url-duplicate", "tree/remote-url-duplicate"]);
    expect(ds[0]).toMatchObject({ pointer: "/remotes/0/url", line: expect.any(Number) });
  });
  it("lets versions of one server share a remote URL", () => {
    const ds = validateDir(
      makeTree({
        ...versionFile("io.github.user/alpha", "1.0.0", remote("https://mcp.example.com/")),
        ...versionFile("io.github.user/alpha", "1.1.0", remote("https://mcp.example.com/")),
      }),
    );
    expect(ds).toEqual([]);
  });
  it("releases the URL of a deleted version", () => {
    const ds = validateDir(
      makeTree({
        ...versionFile("io.github.user/alpha", "1.0.0", remote("https://mcp.example.com/")),
        "servers/io.github.user/alpha/1.0.0/status.yaml": "status: deleted\n",
        ...versionFile("io.github.user/beta", "1.0.0", remote("https://mcp.example.com/")),
      }),
    );
    expect(ds).toEqual([]);
  });
});
