// The one-click install links and the `claude mcp add` line, decoded the way each client decodes them, give
// back exactly the configuration the snippet beside them shows: for every sample server (the documented
// examples and the committed servers/ tree) and every hostile one. Each `claude mcp add` line, pasted into
// sh, bash and zsh with a stub `claude` on PATH, runs only that stub with the argv the decoder read.

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ServerJson } from "../scripts/lib/model.ts";
import { hostileServers, refusedServers, validHostileServer } from "../scripts/test/hostile-servers.ts";
import { makeStubShell, TEST_SHELLS } from "../scripts/test/shell-stubs.ts";
import { renderServerPage } from "./render.ts";
import { buildInstallOptions, serverKey, type InstallOption, type Snippet } from "./snippets.ts";
import { makeRecord, readExamples } from "./test/sample-model.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const stubs = makeStubShell();
afterAll(() => stubs.cleanup());

function committedServers(): ServerJson[] {
  const dir = path.join(REPO, "servers");
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith("server.json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as ServerJson);
}

const SAMPLES = [...readExamples(), ...committedServers()];
const PROTO: ServerJson = {
  name: "io.github.evil/__proto__",
  description: "A name that is an Object.prototype key.",
  version: "1.0.0",
  packages: [{ registryType: "npm", identifier: "p", version: "1.0.0", transport: { type: "stdio" } }],
  remotes: [
    { type: "streamable-http", url: "https://mcp.example.com/mcp", headers: [{ name: "constructor", value: "v" }] },
  ],
};
const HOSTILE = [...hostileServers(), validHostileServer(), ...refusedServers().map((r) => r.server), PROTO];

type Json = Record<string, unknown>;

function snippet(option: InstallOption, id: string): Snippet | undefined {
  return option.snippets.find((s) => s.id === id);
}

/** VS Code's handleMcpInstallUri: `JSON.parse(decodeURIComponent(uri.query))`, then `{ name, inputs, ...config }`. */
function decodeVsCode(href: string, scheme: string): { name: string; inputs?: unknown; config: Json } {
  const prefix = `${scheme}:mcp/install?`;
  expect(href.startsWith(prefix), href).toBe(true);
  const { name, inputs, ...config } = JSON.parse(decodeURIComponent(href.slice(prefix.length))) as Json;
  return { name: name as string, ...(inputs === undefined ? {} : { inputs }), config };
}

/** Cursor's deeplink: query parameters `name` and `config` (base64 of the JSON entry). */
function decodeCursor(href: string): { name: string; config: Json } {
  const url = new URL(href);
  expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("cursor://anysphere.cursor-deeplink/mcp/install");
  const config = Buffer.from(url.searchParams.get("config") ?? "", "base64").toString("utf8");
  return { name: url.searchParams.get("name") ?? "", config: JSON.parse(config) as Json };
}

/** `claude mcp add` as Claude Code's parser reads it: options, `--`, then name, command or URL, arguments. */
function decodeClaudeCode(args: readonly string[]): { name: string; config: Json } {
  expect(args.slice(0, 2)).toEqual(["mcp", "add"]);
  const end = args.indexOf("--");
  expect(end).toBeGreaterThan(2);
  let transport = "";
  const env: [string, string][] = [];
  const headers: [string, string][] = [];
  for (let i = 2; i < end; i += 2) {
    const [flag, value] = [args[i], args[i + 1] ?? ""];
    if (flag === "--transport") transport = value;
    else if (flag === "--env") env.push([value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)]);
    else if (flag === "--header")
      headers.push([value.slice(0, value.indexOf(": ")), value.slice(value.indexOf(": ") + 2)]);
    else throw new Error(`unexpected option ${flag}`);
  }
  const [name = "", target = "", ...rest] = args.slice(end + 1);
  if (transport === "stdio") {
    const config: Json = { command: target, args: rest };
    if (env.length > 0) config.env = Object.fromEntries(env);
    return { name, config };
  }
  expect(rest).toEqual([]);
  const config: Json = { type: transport, url: target };
  if (headers.length > 0) config.headers = Object.fromEntries(headers);
  return { name, config };
}

function entryOf(s: Snippet, key: string): Json {
  const doc = JSON.parse(s.text) as { servers?: Json; mcpServers?: Json; inputs?: unknown };
  const container = doc.servers ?? doc.mcpServers ?? {};
  expect(Object.keys(container)).toEqual([key]);
  return Object.getOwnPropertyDescriptor(container, key)?.value as Json;
}

/** Every link and `claude mcp add` line of one server decodes to its snippet's configuration. */
function expectLinksDecode(server: ServerJson): number {
  let checked = 0;
  const key = serverKey(server);
  for (const option of buildInstallOptions(server)) {
    const vscode = snippet(option, "vscode");
    const cursor = snippet(option, "cursor");
    const ids = option.links.map((l) => l.id);
    expect(ids, option.id).toEqual([...(vscode ? ["vscode", "vscode-insiders"] : []), ...(cursor ? ["cursor"] : [])]);
    for (const link of option.links) {
      // URL-safe: unreserved characters, %XX and the link's own delimiters; nothing a shell, an HTML
      // attribute or a Markdown link would act on
      expect(link.href, link.href).toMatch(/^[a-z-]+:[A-Za-z0-9\-._~%/?=&]+$/);
      if (link.id === "cursor") {
        const decoded = decodeCursor(link.href);
        expect(decoded.name).toBe(key);
        expect(decoded.config).toEqual(entryOf(cursor!, key));
      } else {
        const decoded = decodeVsCode(link.href, link.id);
        const doc = JSON.parse(vscode!.text) as { inputs?: unknown };
        expect(decoded.name).toBe(key);
        expect(decoded.config).toEqual(entryOf(vscode!, key));
        expect(decoded.inputs).toEqual(doc.inputs);
      }
      checked++;
    }
    const claudeCode = snippet(option, "claude-code");
    if (claudeCode === undefined) continue;
    const decoded = decodeClaudeCode(claudeCode.runs!.args);
    expect(claudeCode.runs!.program).toBe("claude");
    expect(decoded.name).toBe(key);
    const isStdio = decoded.config["command"] !== undefined;
    if (isStdio) {
      // the same launch as the Claude Desktop configuration (which expands nothing)
      const desktop = entryOf(snippet(option, "claude-desktop")!, key);
      expect(decoded.config).toEqual(desktop);
    } else {
      const { type, ...rest } = decoded.config;
      expect(rest).toEqual(entryOf(cursor!, key));
      expect(type).toBe(option.label.startsWith("sse") ? "sse" : "http");
    }
    checked++;
  }
  return checked;
}

describe("install links decode to the configuration of the snippet beside them", () => {
  it.each(SAMPLES.map((s) => ({ name: `${s.name} ${s.version}`, server: s })))("$name", ({ server }) => {
    const options = buildInstallOptions(server);
    const checked = expectLinksDecode(server);
    // every sample option with a VS Code snippet has its links (the examples hold no `${`)
    const vscodeOptions = options.filter((o) => snippet(o, "vscode") !== undefined).length;
    expect(checked).toBeGreaterThanOrEqual(vscodeOptions * 2);
  });

  it("covers the samples: every package type with a launcher, remotes, and Claude Code lines", () => {
    const all = SAMPLES.flatMap((s) => buildInstallOptions(s));
    expect(all.flatMap((o) => o.links).length).toBeGreaterThan(60);
    expect(all.filter((o) => snippet(o, "claude-code")).length).toBeGreaterThan(20);
    expect(all.some((o) => o.kind === "remote" && o.links.length === 3)).toBe(true);
  });

  it.each(HOSTILE.map((s) => ({ name: s.name, server: s })))("hostile $name", ({ server }) => {
    expectLinksDecode(server);
  });

  it("a VS Code link carries the inputs, so VS Code prompts for the secret instead of storing a value", () => {
    const brave = SAMPLES.find((s) => s.name === "io.modelcontextprotocol.anonymous/brave-search")!;
    const [option] = buildInstallOptions(brave);
    const decoded = decodeVsCode(option!.links[0]!.href, "vscode");
    expect(decoded).toEqual({
      name: "brave-search",
      inputs: [{ type: "promptString", id: "brave_api_key", description: "Brave Search API Key", password: true }],
      config: {
        type: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-brave-search@1.0.2"],
        env: { BRAVE_API_KEY: "${input:brave_api_key}" },
      },
    });
    expect(snippet(option!, "claude-code")!.text).toBe(
      "claude mcp add --transport stdio --env 'BRAVE_API_KEY=<YOUR_BRAVE_API_KEY>' -- brave-search npx -y @modelcontextprotocol/server-brave-search@1.0.2",
    );
  });

  it("a Cursor link's base64 is percent-encoded: a `+` in it survives form decoding", () => {
    // "~~~" encodes to "fn5+": the entry below puts a `+` into the base64
    const doc: ServerJson = {
      name: "io.github.evil/plus",
      description: "d",
      version: "1.0.0",
      packages: [
        {
          registryType: "npm",
          identifier: "p",
          version: "1.0.0",
          transport: { type: "stdio" },
          packageArguments: [{ type: "positional", value: "~~~>?" }],
        },
      ],
    };
    const [option] = buildInstallOptions(doc);
    const href = option!.links.find((l) => l.id === "cursor")!.href;
    expect(href).toMatch(/%2B|%2F/);
    expect(href).not.toMatch(/config=[^&]*[+/=]/);
    expect(decodeCursor(href).config).toEqual({ command: "npx", args: ["-y", "p@1.0.0", "~~~>?"] });
  });

  it("no link and no Claude Code line carries author text with ${ (the clients would expand it)", () => {
    const interpolation = hostileServers().find((s) => s.name === "io.github.evil/interpolation")!;
    const options = buildInstallOptions(interpolation);
    for (const option of options) {
      expect(option.links, option.id).toEqual([]);
      expect(snippet(option, "claude-code"), option.id).toBeUndefined();
    }
    expect(options[0]!.notes.join("\n")).toMatch(/No Claude Code line is shown: "\$\{workspaceFolder\}" contains/);
    const clean = JSON.parse(JSON.stringify(interpolation).replace(/\$\{[^}]*\}/g, "x")) as ServerJson;
    for (const option of buildInstallOptions(clean)) expect(option.links.length, option.id).toBeGreaterThan(0);
  });

  it("a runtime hint with ${ gets no VS Code, Cursor or Claude Code configuration (they would expand it)", () => {
    const doc: ServerJson = {
      name: "io.github.evil/hint-interp",
      description: "d",
      version: "1.0.0",
      packages: [
        {
          registryType: "npm",
          identifier: "p",
          version: "1.0.0",
          runtimeHint: "${env:HOME}/x",
          transport: { type: "stdio" },
        },
      ],
    };
    const [option] = buildInstallOptions(doc);
    expect(option!.snippets.map((s) => s.id)).toEqual(["claude-desktop", "shell"]);
    expect(option!.links).toEqual([]);
    expect(option!.notes.join("\n")).toMatch(/No Claude Code line is shown: "\$\{env:HOME\}\/x"/);
  });

  it("a server name that looks like an option is still the name: it comes after --", () => {
    const doc: ServerJson = {
      name: "io.github.evil/-rf",
      description: "d",
      version: "1.0.0",
      packages: [{ registryType: "npm", identifier: "p", version: "1.0.0", transport: { type: "stdio" } }],
      remotes: [{ type: "sse", url: "https://mcp.example.com/sse", headers: [{ name: "X-A", value: "a: b" }] }],
    };
    const [pkg, remote] = buildInstallOptions(doc);
    expect(snippet(pkg!, "claude-code")!.text).toBe("claude mcp add --transport stdio -- -rf npx -y p@1.0.0");
    expect(snippet(remote!, "claude-code")!.text).toBe(
      "claude mcp add --transport sse --header 'X-A: a: b' -- -rf https://mcp.example.com/sse",
    );
    expect(expectLinksDecode(doc)).toBe(8);
  });
});

describe("claude mcp add lines pasted into a shell run only claude, with the argv the decoder read", () => {
  const cases = [...SAMPLES, ...HOSTILE].flatMap((server) =>
    buildInstallOptions(server).flatMap((option) => {
      const s = snippet(option, "claude-code");
      return s === undefined ? [] : [{ name: `${server.name} ${server.version} ${option.id}`, s }];
    }),
  );

  it("covers the hostile documents' command lines", () => {
    expect(cases.filter((c) => c.name.startsWith("io.github.evil/")).length).toBeGreaterThan(25);
  });

  it.each(cases)("$name", ({ s }) => {
    for (const shell of TEST_SHELLS) {
      const outcome = stubs.paste(shell, s.text);
      expect(outcome.leftovers, `${shell}: ${s.text}`).toEqual([]);
      expect(
        outcome.runs.map((r) => r.argv),
        `${shell}: ${s.text}`,
      ).toEqual([["claude", ...s.runs!.args]]);
    }
  });

  it("refused packages (control characters, option-like identifiers, empty runtime) get no claude line", () => {
    for (const { server } of refusedServers())
      for (const option of buildInstallOptions(server))
        expect(snippet(option, "claude-code"), server.name).toBe(undefined);
  });
});

describe("the server page shows the links", () => {
  const info = { gitCommit: null, generatedAt: "2025-10-01T00:00:00Z", serial: 1 };
  const assets = { css: "a.css", js: "a.js", index: "i.json" };
  const decode = (html: string) =>
    html.replace(
      /&(amp|lt|gt|quot|#39);/g,
      (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]!,
    );

  it.each([...SAMPLES.slice(0, 17), validHostileServer()].map((s) => ({ name: s.name, server: s })))(
    "$name: every link is on the page, escaped, and unescapes to the href",
    ({ server }) => {
      const record = makeRecord(server);
      const html = renderServerPage({ name: server.name, latest: record, versions: [record] }, assets, info);
      const hrefs = [...html.matchAll(/<a class="install-link" href="([^"]*)">/g)].map((m) => decode(m[1]!));
      expect(hrefs).toEqual(buildInstallOptions(server).flatMap((o) => o.links.map((l) => l.href)));
    },
  );
});
