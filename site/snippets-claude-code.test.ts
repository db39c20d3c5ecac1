// Claude Code's `claude mcp add` lines (buildInstallOptions(…)), for the hostile
// documents, pasted for real into sh, bash and zsh with a stub `claude` first on PATH: the stub receives
// exactly `mcp add --transport … <name> …`, the command after `--` is exactly the one the plain command line
// runs, every secret is a placeholder, and nothing else happens. Lines Claude Code would expand (`${…}`) or
// misread (a header name that is not an HTTP token) are not offered, with a note saying why.

import { afterAll, describe, expect, it } from "vitest";
import type { ServerJson } from "../scripts/lib/model.ts";
import { HOSTILE_RUNTIME_HINTS, hostileServers, refusedServers } from "../scripts/test/hostile-servers.ts";
import { makeStubShell, TEST_SHELLS } from "../scripts/test/shell-stubs.ts";
import { buildInstallOptions, serverKey, type InstallOption, type Snippet } from "./snippets.ts";

const stubs = makeStubShell(["claude", ...HOSTILE_RUNTIME_HINTS]);
afterAll(() => stubs.cleanup());

const claudeCode = (option: InstallOption): Snippet | undefined => option.snippets.find((s) => s.id === "claude-code");

function pastedArgv(snippet: Snippet): string[] {
  let argv: string[] | undefined;
  for (const shell of TEST_SHELLS) {
    const outcome = stubs.paste(shell, snippet.text);
    const where = `${shell} -c ${JSON.stringify(snippet.text)}: ${outcome.stderr}`;
    expect(outcome.leftovers, where).toEqual([]);
    expect(outcome.runs, where).toHaveLength(1);
    const run = outcome.runs[0]!;
    expect(run.argv, where).toEqual([snippet.runs!.program, ...snippet.runs!.args]);
    argv ??= [...run.argv];
  }
  return argv!;
}

function named(name: string): ServerJson {
  const found = hostileServers().find((s) => s.name === `io.github.evil/${name}`);
  if (found === undefined) throw new Error(`no hostile server ${name}`);
  return found;
}

describe(`claude mcp add lines of hostile documents, pasted into ${TEST_SHELLS.join(", ")}`, () => {
  const stdioCases = hostileServers().flatMap((server) =>
    buildInstallOptions(server).flatMap((option) => {
      const snippet = claudeCode(option);
      const line = option.snippets.find((s) => s.client === "shell" && s.runs !== undefined);
      const local = snippet?.runs?.args[3] === "stdio";
      return snippet !== undefined && local && line !== undefined
        ? [{ name: `${server.name} ${option.id}`, server, snippet, line }]
        : [];
    }),
  );

  it("covers the local packages", () => {
    expect(stdioCases.length).toBeGreaterThan(5);
  });

  it.each(stdioCases)("$name: the name before --env, then exactly the plain command line's command", (c) => {
    const argv = pastedArgv(c.snippet);
    const dashes = argv.indexOf("--");
    expect(argv.slice(0, 6)).toEqual(["claude", "mcp", "add", "--transport", "stdio", serverKey(c.server)]);
    const options = argv.slice(6, dashes);
    // only --env NAME=value pairs between the name and `--`, one per variable the command line sets
    expect(options.filter((_, i) => i % 2 === 0).every((o) => o === "--env")).toBe(true);
    const env = options.filter((_, i) => i % 2 === 1);
    expect(env).toEqual(c.line.runs!.env.map(([name, value]) => `${name}=${value}`));
    expect(argv.slice(dashes + 1)).toEqual([c.line.runs!.program, ...c.line.runs!.args]);
  });

  it("remote servers: transport, name, URL, then each header as 'Name: value'", () => {
    const [remote] = buildInstallOptions(named("remote-headers"));
    const argv = pastedArgv(claudeCode(remote!)!);
    expect(argv).toEqual([
      "claude",
      "mcp",
      "add",
      "--transport",
      "http",
      "remote-headers",
      "https://mcp.example.com/mcp?q=$(touch pwned)",
      "--header",
      "__proto__: $(touch pwned)",
      "--header",
      "constructor: `touch pwned`",
      "--header",
      "X-Key: x;touch pwned",
      "--header",
      `x_key: '"\\`,
    ]);
  });

  it("a package that serves HTTP: over http, to the URL VS Code is given", () => {
    const [option] = buildInstallOptions(named("http-package"));
    const vscode = JSON.parse(option!.snippets.find((s) => s.id === "vscode")!.text) as {
      servers: Record<string, { url: string }>;
    };
    expect(pastedArgv(claudeCode(option!)!)).toEqual([
      "claude",
      "mcp",
      "add",
      "--transport",
      "http",
      "http-package",
      vscode.servers["http-package"]!.url,
    ]);
  });

  it("secrets are placeholders, never the author's value or default", () => {
    const secret: ServerJson = {
      name: "io.github.evil/secret",
      description: "d",
      version: "1.0.0",
      packages: [
        {
          registryType: "npm",
          identifier: "@evil/secret",
          version: "1.0.0",
          transport: { type: "stdio" },
          environmentVariables: [{ name: "TOKEN", isSecret: true, value: "leaked-value", default: "leaked-default" }],
        },
      ],
      remotes: [
        {
          type: "sse",
          url: "https://x.example/sse",
          headers: [{ name: "Authorization", isSecret: true, value: "Bearer leaked" }],
        },
      ],
    };
    const [pkg, remote] = buildInstallOptions(secret);
    expect(claudeCode(pkg!)?.text).toBe(
      "claude mcp add --transport stdio secret --env 'TOKEN=<YOUR_TOKEN>' -- npx -y @evil/secret@1.0.0",
    );
    expect(claudeCode(remote!)?.text).toBe(
      "claude mcp add --transport sse secret https://x.example/sse --header 'Authorization: <YOUR_AUTHORIZATION>'",
    );
  });

  it("is not offered where Claude Code would expand ${…} or misread a header, and says why", () => {
    const options = buildInstallOptions(named("interpolation"));
    for (const option of options) {
      expect(claudeCode(option), option.id).toBeUndefined();
      expect(option.notes.join("\n"), option.id).toMatch(/No (Claude Code (configuration|command) is shown)/);
    }
    expect(options[2]!.notes.join("\n")).toMatch(/header name "X-\$\{env:HOME\}" is not a valid HTTP header name/);
    for (const { server, note } of refusedServers()) {
      for (const option of buildInstallOptions(server)) {
        expect(claudeCode(option), server.name).toBeUndefined();
        expect(option.notes.join("\n"), server.name).toMatch(note);
      }
    }
  });

  it("the site's options are unchanged unless it asks for the line", () => {
    for (const server of hostileServers())
      for (const option of buildInstallOptions(server)) expect(claudeCode(option)).toBeUndefined();
  });
});
