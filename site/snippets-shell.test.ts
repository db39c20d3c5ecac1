// Every command line the site offers, for hostile documents, pasted for real into sh (dash), bash and zsh
// (where installed; the suite's name says which ran) with stub programs first on PATH: exactly the intended
// program runs, with exactly the intended argv and environment, and nothing else happens (no other program,
// no file `pwned`).
//
// PowerShell is not tested because no PowerShell or cmd.exe line is offered (see the header of snippets.ts
// for why); the JSON snippets are what Windows users copy, and they are checked below as JSON.

import { afterAll, describe, expect, it } from "vitest";
import {
  HOSTILE_RUNTIME_HINTS,
  INVALID_ENV_NAMES,
  PAYLOADS,
  VALID_ENV_NAMES,
  hostileServers,
  refusedServers,
} from "../scripts/test/hostile-servers.ts";
import { isStubbable, makeStubShell, TEST_SHELLS } from "../scripts/test/shell-stubs.ts";
import type { ServerJson } from "../scripts/lib/model.ts";
import { buildInstallOptions, quoteShell, type InstallOption, type Snippet } from "./snippets.ts";

const stubs = makeStubShell(HOSTILE_RUNTIME_HINTS);
afterAll(() => stubs.cleanup());

/** The plain command lines (the `claude mcp add` lines are pasted in site/install-links.test.ts). */
function shellSnippets(option: InstallOption): Snippet[] {
  return option.snippets.filter((s) => s.client === "shell");
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

function serverNamed(name: string): ServerJson {
  const found = hostileServers().find((s) => s.name === `io.github.evil/${name}`);
  if (found === undefined) throw new Error(`no hostile server ${name}`);
  return found;
}

/** Pastes a snippet into each shell and checks that exactly its stub ran, as `runs` says, and nothing else. */
function expectInert(snippet: Snippet): void {
  const runs = snippet.runs;
  if (runs === undefined) throw new Error(`shell snippet ${snippet.id} says nothing about what it runs`);
  for (const shell of TEST_SHELLS) {
    const outcome = stubs.paste(shell, snippet.text);
    const where = `${shell} -c ${JSON.stringify(snippet.text)}: ${outcome.stderr}`;
    expect(outcome.leftovers, where).toEqual([]);
    if (!isStubbable(runs.program)) {
      // `.`, `./nope`: no such program, so nothing at all may run.
      expect(outcome.runs, where).toEqual([]);
      continue;
    }
    const run = only(outcome.runs);
    expect(run.argv, where).toEqual([runs.program, ...runs.args]);
    for (const [name, value] of runs.env) expect(run.env.get(name), `${where}: $${name}`).toBe(value);
  }
}

describe(`command lines of hostile documents, pasted into ${TEST_SHELLS.join(", ")} with stub programs`, () => {
  const cases = hostileServers().flatMap((server) =>
    buildInstallOptions(server).flatMap((option) =>
      shellSnippets(option).map((snippet, i) => ({ name: `${server.name} ${option.id} ${snippet.id}#${i}`, snippet })),
    ),
  );

  it("covers every package that has a command line", () => {
    // 5 single-package servers, one line per runtime hint, 4 identifiers, holes, interpolation and the HTTP package.
    expect(cases).toHaveLength(5 + HOSTILE_RUNTIME_HINTS.length + 4 + 3);
  });

  it.each(cases)("$name runs only its stub, with the intended argv", ({ snippet }) => {
    expectInert(snippet);
  });

  it("npm: the argv is the package spec and every payload verbatim; valid names are set, invalid ones named in a note", () => {
    const [option] = buildInstallOptions(serverNamed("npm-env"));
    const npx = only(shellSnippets(option!));
    expect(npx.runs?.program).toBe("npx");
    expect(npx.runs?.args).toEqual(["-y", "@evil/pkg@1.0.0", ...PAYLOADS]);
    expect(npx.runs?.env.map(([name]) => name)).toEqual(VALID_ENV_NAMES);
    const outcome = stubs.paste("sh", npx.text);
    expect(only(outcome.runs).argv).toEqual(["npx", "-y", "@evil/pkg@1.0.0", ...PAYLOADS]);
    expect(only(outcome.runs).env.get("__proto__")).toBe(PAYLOADS[INVALID_ENV_NAMES.length % PAYLOADS.length]);
    const invalidNotes = option!.notes.filter((n) => n.includes("not a valid shell variable name"));
    expect(invalidNotes).toHaveLength(INVALID_ENV_NAMES.length);
    expect(invalidNotes.join("\n")).toContain('"A\\ntouch pwned"'); // the newline is shown, not printed
  });

  it("the command line agrees with the Claude Desktop JSON, less the variables a shell cannot set", () => {
    for (const name of ["npm-env", "npm-named", "pypi", "oci", "nuget"]) {
      const [option] = buildInstallOptions(serverNamed(name));
      const shell = only(shellSnippets(option!));
      const claude = JSON.parse(option!.snippets.find((s) => s.id === "claude-desktop")!.text) as {
        mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
      };
      const entry = Object.values(claude.mcpServers)[0]!;
      const invalid = new Set(INVALID_ENV_NAMES);
      const args = entry.args.filter(
        (a, i, all) => !(invalid.has(a) && all[i - 1] === "-e") && !(a === "-e" && invalid.has(all[i + 1] ?? "\0")),
      );
      expect(shell.runs?.program, name).toBe(entry.command);
      expect(shell.runs?.args, name).toEqual(args);
      expect(new Map(shell.runs?.env), name).toEqual(
        new Map(Object.entries(entry.env ?? {}).filter(([n]) => !invalid.has(n))),
      );
    }
  });

  it("docker: -e only for valid names, and the JSON keeps every name", () => {
    const [option] = buildInstallOptions(serverNamed("oci"));
    const docker = only(shellSnippets(option!));
    const flags = docker.runs!.args.flatMap((a, i, all) => (all[i - 1] === "-e" ? [a] : []));
    expect(flags).toEqual(VALID_ENV_NAMES);
    const claude = JSON.parse(option!.snippets.find((s) => s.id === "claude-desktop")!.text) as {
      mcpServers: Record<string, { env: Record<string, string> }>;
    };
    expect(Object.keys(Object.values(claude.mcpServers)[0]!.env)).toEqual(
      expect.arrayContaining([...INVALID_ENV_NAMES, ...VALID_ENV_NAMES]),
    );
  });

  it("a runtime hint never becomes an assignment, a builtin or an expansion", () => {
    const options = buildInstallOptions(serverNamed("runtime-hints"));
    const line = (hint: string): string => {
      const i = HOSTILE_RUNTIME_HINTS.indexOf(hint);
      return only(shellSnippets(options[i]!)).text;
    };
    expect(line("X=1")).toBe(
      `GOOD_NAME='$(touch pwned)' command -- 'X=1' @evil/hint@1.0.0 '$(touch pwned)' 'x;touch pwned'`,
    );
    expect(line("eval")).toBe(
      `GOOD_NAME='$(touch pwned)' env -- eval @evil/hint@1.0.0 '$(touch pwned)' 'x;touch pwned'`,
    );
    expect(line("$(id)")).toMatch(/ env -- '\$\(id\)' @evil/);
    expect(line("if")).toMatch(/ env -- if @evil/);
    expect(line("=ls")).toMatch(/ command -- '=ls' @evil/);
    // the stub named X=1 ran, with GOOD_NAME in its environment: the prefix still reaches the program
    const run = only(stubs.paste("sh", line("X=1")).runs);
    expect(run.argv).toEqual(["X=1", "@evil/hint@1.0.0", "$(touch pwned)", "x;touch pwned"]);
    expect(run.env.get("GOOD_NAME")).toBe("$(touch pwned)");
  });

  it("placeholders for holes and secrets are quoted like any other word", () => {
    const [option] = buildInstallOptions(serverNamed("holes"));
    const npx = only(shellSnippets(option!));
    expect(npx.runs?.env).toEqual([
      ["NEEDED", "<NEEDED>"],
      ["SECRET", "<YOUR_SECRET>"],
      ["TEMPLATED", "a';touch pwned;'b"],
    ]);
    expect(npx.runs?.args).toEqual(["-y", "@evil/holes@1.0.0", "<x'$(touch pwned)>"]);
  });
});

describe("packages that get no command line, with a note saying why", () => {
  it.each(refusedServers().map((c) => ({ ...c, name: c.server.name })))("$name", ({ server, note }) => {
    const options = buildInstallOptions(server);
    const [option] = options;
    expect(option!.snippets.filter((s) => s.language === "shell")).toEqual([]);
    expect(option!.notes.join("\n")).toMatch(note);
    // the JSON configurations are still offered for runnable packages, as JSON
    for (const s of option!.snippets) expect(() => JSON.parse(s.text) as unknown).not.toThrow();
  });
});

describe("JSON snippets keep keys that collide with Object.prototype", () => {
  it("environment variables named __proto__, constructor, toString survive in every JSON snippet", () => {
    const plain = PAYLOADS.filter((p) => !p.includes("${"));
    const doc: ServerJson = {
      name: "io.github.evil/proto-env",
      description: "d",
      version: "1.0.0",
      packages: [
        {
          registryType: "npm",
          identifier: "p",
          version: "1.0.0",
          transport: { type: "stdio" },
          environmentVariables: VALID_ENV_NAMES.map((name, i) => ({ name, value: plain[i] ?? "", isRequired: true })),
        },
      ],
    };
    const [option] = buildInstallOptions(doc);
    for (const id of ["vscode", "claude-desktop", "cursor"]) {
      const doc = JSON.parse(option!.snippets.find((s) => s.id === id)!.text) as {
        servers?: Record<string, { env: object }>;
        mcpServers?: Record<string, { env: object }>;
      };
      const entry = Object.values(doc.servers ?? doc.mcpServers ?? {})[0]!;
      expect(Object.keys(entry.env), id).toEqual(expect.arrayContaining([...VALID_ENV_NAMES]));
      expect(Object.getOwnPropertyDescriptor(entry.env, "__proto__")?.value, id).toBe(plain[0]);
    }
  });

  it("headers named __proto__ and constructor survive; headers that map to one variable get two", () => {
    const [remote] = buildInstallOptions(serverNamed("remote-headers"));
    const vscode = JSON.parse(remote!.snippets.find((s) => s.id === "vscode")!.text) as {
      servers: Record<string, { headers: object }>;
    };
    expect(Object.keys(vscode.servers["remote-headers"]!.headers)).toEqual([
      "__proto__",
      "constructor",
      "X-Key",
      "x_key",
    ]);
    const cursor = JSON.parse(remote!.snippets.find((s) => s.id === "cursor")!.text) as {
      mcpServers: Record<string, { url: string; headers: Record<string, string> }>;
    };
    expect(Object.entries(cursor.mcpServers["remote-headers"]!.headers)).toEqual([
      ["__proto__", "$(touch pwned)"],
      ["constructor", "`touch pwned`"],
      ["X-Key", "x;touch pwned"],
      ["x_key", "'\"\\"],
    ]);
    expect(cursor.mcpServers["remote-headers"]!.url).toBe("https://mcp.example.com/mcp?q=$(touch pwned)");
    const claude = JSON.parse(remote!.snippets.find((s) => s.id === "claude-desktop")!.text) as {
      mcpServers: Record<string, { args: string[]; env: Record<string, string> }>;
    };
    const entry = claude.mcpServers["remote-headers"]!;
    expect(entry.args.filter((_, i, all) => all[i - 1] === "--header")).toEqual([
      "__proto__:${PROTO}",
      "constructor:${CONSTRUCTOR}",
      "X-Key:${X_KEY}",
      "x_key:${X_KEY_2}",
    ]);
    expect(entry.env).toEqual({
      PROTO: "$(touch pwned)",
      CONSTRUCTOR: "`touch pwned`",
      X_KEY: "x;touch pwned",
      X_KEY_2: "'\"\\",
    });
  });

  it("invisible and C1 characters are written as \\u escapes: the JSON reads as what the client gets", () => {
    const value = "a\u202eb\u200bc\u009bd\u007fe\u2028f";
    const doc: ServerJson = {
      name: "io.github.evil/bidi-json",
      description: "d",
      version: "1.0.0",
      packages: [
        {
          registryType: "npm",
          identifier: "p",
          version: "1.0.0",
          transport: { type: "stdio" },
          environmentVariables: [{ name: "A", value, isRequired: true }],
        },
      ],
    };
    const [option] = buildInstallOptions(doc);
    const cursor = option!.snippets.find((s) => s.id === "cursor")!.text;
    expect(cursor).toContain(String.raw`"A": "a\u202eb\u200bc\u009bd\u007fe\u2028f"`);
    expect(
      (JSON.parse(cursor) as { mcpServers: Record<string, { env: { A: string } }> }).mcpServers["bidi-json"]!.env.A,
    ).toBe(value);
  });

  it("a server named …/__proto__ keeps its key", () => {
    const doc: ServerJson = {
      name: "io.github.evil/__proto__",
      description: "d",
      version: "1.0.0",
      packages: [{ registryType: "npm", identifier: "p", version: "1.0.0", transport: { type: "stdio" } }],
    };
    const [option] = buildInstallOptions(doc);
    for (const s of option!.snippets.filter((x) => x.language === "json")) {
      const parsed = JSON.parse(s.text) as { servers?: object; mcpServers?: object };
      expect(Object.keys(parsed.servers ?? parsed.mcpServers ?? {}), s.id).toEqual(["__proto__"]);
    }
  });
});

describe("configurations for clients that expand ${…}", () => {
  const options = buildInstallOptions(serverNamed("interpolation"));
  const ids = (o: InstallOption | undefined) => o?.snippets.map((s) => s.id);

  it("no VS Code or Cursor configuration carries author text with ${ (VS Code would put ${env:…} values in it)", () => {
    const [pkg, remote, badHeader] = options;
    expect(ids(pkg)).toEqual(["claude-desktop", "npx"]);
    expect(pkg?.notes.join("\n")).toMatch(/No VS Code configuration is shown: "\$\{workspaceFolder\}" contains "\$\{"/);
    expect(pkg?.notes.join("\n")).toMatch(/No Cursor configuration is shown/);
    // the header value goes to mcp-remote through env, which it never expands: Claude Desktop keeps it
    expect(ids(remote)).toEqual(["claude-desktop"]);
    const claude = JSON.parse(remote!.snippets[0]!.text) as {
      mcpServers: Record<string, { args: string[]; env: Record<string, string> }>;
    };
    expect(claude.mcpServers["interpolation"]).toMatchObject({
      args: ["-y", "mcp-remote", "https://mcp.example.com/mcp", "--header", "X-Steal:${X_STEAL}"],
      env: { X_STEAL: "${env:AWS_SECRET_ACCESS_KEY}" },
    });
    // a header name that is not an HTTP token would be expanded by mcp-remote itself: no client gets it
    expect(ids(badHeader)).toEqual([]);
    expect(badHeader?.notes.join("\n")).toMatch(/header name "X-\$\{env:HOME\}" is not a valid HTTP header name/);
  });

  it("without ${, the same documents get every configuration", () => {
    const clean = JSON.parse(JSON.stringify(serverNamed("interpolation")).replace(/\$\{[^}]*\}/g, "x")) as ServerJson;
    expect(buildInstallOptions(clean).map(ids)).toEqual([
      ["vscode", "claude-desktop", "cursor", "claude-code", "npx"],
      ["vscode", "claude-desktop", "cursor", "claude-code"],
      ["vscode", "claude-desktop", "cursor", "claude-code"],
    ]);
  });
});

describe("quoteShell", () => {
  it("leaves only inert words bare", () => {
    for (const word of ["npx", "-y", "@scope/pkg@1.0.0", "--opt=x", "a,b:c+d%e", "./x", "1.0.0"])
      expect(quoteShell(word)).toBe(word);
  });

  it("quotes words a shell would read as an assignment (first word, or bash's set -k) or zsh as =cmd", () => {
    expect(quoteShell("X=1")).toBe("'X=1'");
    expect(quoteShell("_a=b")).toBe("'_a=b'");
    expect(quoteShell("=ls")).toBe("'=ls'");
  });

  it("writes a single quote as '\\''", () => {
    expect(quoteShell("a'b")).toBe(`'a'\\''b'`);
    expect(quoteShell("'")).toBe(`''\\'''`);
  });

  it("every quoted payload reads back as itself under sh", () => {
    const words = [...PAYLOADS, ...INVALID_ENV_NAMES];
    const outcome = stubs.paste("sh", `npx ${words.map(quoteShell).join(" ")}`);
    expect(only(outcome.runs).argv).toEqual(["npx", ...words]);
  });
});
