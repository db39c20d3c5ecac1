// The install snippets as the site ships them: the text a copy button copies (the textContent of its <code>
// element) is exactly the safe snippet, and each command line in it, pasted into sh, bash and zsh (where
// installed) with stub programs on PATH, runs only its stub. Once through buildSite with every hostile
// document (validation is not what makes the site safe), once through the real `npm run build` of a hostile
// servers tree.

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { compareCodeUnits, type ServerJson } from "../scripts/lib/model.ts";
import { buildInstallOptions } from "./snippets.ts";
import {
  HOSTILE_RUNTIME_HINTS,
  hostileServers,
  refusedServers,
  validHostileServer,
} from "../scripts/test/hostile-servers.ts";
import { isStubbable, makeStubShell, TEST_SHELLS } from "../scripts/test/shell-stubs.ts";
import { tempDir } from "../scripts/test/temp-tree.ts";
import { buildSite } from "./build.ts";
import { serverPageDir } from "./src/paths.ts";
import { makeRecord } from "./test/sample-model.ts";

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const stubs = makeStubShell(HOSTILE_RUNTIME_HINTS);
afterAll(() => stubs.cleanup());

const ENTITIES: Readonly<Record<string, string>> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

/** What a browser's textContent gives for text that escapeHtml wrote (and nothing else may appear in it). */
function decodeText(html: string): string {
  expect(html).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)|[<>]/);
  return html.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

interface CopiedBlock {
  readonly id: string;
  readonly language: string;
  readonly text: string;
}

/** Every snippet <code> element of a page, with the text its copy button copies. */
function copiedBlocks(page: string): CopiedBlock[] {
  const blocks = [...page.matchAll(/<code id="([^"]*)" class="language-([a-z]+)">([^<]*)<\/code>/g)].map((m) => ({
    id: decodeText(m[1] ?? ""),
    language: m[2] ?? "",
    text: decodeText(m[3] ?? ""),
  }));
  // nothing the pattern missed: every snippet element was read
  expect(blocks).toHaveLength([...page.matchAll(/<code id="snippet-/g)].length);
  for (const b of blocks) expect(page).toContain(`data-copy="${b.id.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"`);
  return blocks;
}

/** The page shows exactly the snippets the snippets module makes, and each command line is inert. */
function expectSafePage(page: string, server: ServerJson): number {
  const expected = buildInstallOptions(server).flatMap((o) =>
    o.snippets.map((s) => ({ id: `snippet-${o.id}-${s.id}`, language: s.language, text: s.text, runs: s.runs })),
  );
  const blocks = copiedBlocks(page);
  expect(blocks).toEqual(expected.map(({ id, language, text }) => ({ id, language, text })));
  let pasted = 0;
  for (const { text, language, runs } of expected) {
    if (language !== "shell") continue;
    if (runs === undefined) throw new Error(`a command line that does not say what it runs: ${text}`);
    for (const shell of TEST_SHELLS) {
      const outcome = stubs.paste(shell, text);
      expect(outcome.leftovers, text).toEqual([]);
      expect(
        outcome.runs.map((r) => r.argv),
        text,
      ).toEqual(isStubbable(runs.program) ? [[runs.program, ...runs.args]] : []);
      pasted++;
    }
  }
  return pasted;
}

describe("install snippets in the built site", () => {
  it("buildSite: every hostile document's page copies the safe text, and its command lines are inert", async () => {
    const servers = [...hostileServers(), ...refusedServers().map((c) => c.server)];
    const versions = servers.map((s) => makeRecord(s)).sort((a, b) => compareCodeUnits(a.name, b.name));
    const site = await buildSite({
      versions,
      info: { gitCommit: null, generatedAt: "2025-10-01T00:00:00Z", serial: 1 },
    });
    let pasted = 0;
    for (const server of servers) {
      const page = site.get(`${serverPageDir(server.name)}index.html`);
      if (typeof page !== "string") throw new Error(`no page for ${server.name}`);
      pasted += expectSafePage(page, server);
    }
    expect(pasted).toBeGreaterThan(2 * HOSTILE_RUNTIME_HINTS.length);
    // the notes that replace refused lines are shown, escaped
    const bidi = site.get(`${serverPageDir("io.github.evil/bidi")}index.html`);
    expect(bidi).toContain("safe\\u{202e};touch pwned");
    expect(bidi).not.toContain("\u202e");
    const env = site.get(`${serverPageDir("io.github.evil/npm-env")}index.html`);
    expect(env).toContain("leaves out the environment variable &quot;A\\ntouch pwned&quot;");
  });

  it("npm run build of a hostile servers tree: the generated page copies the safe text, and its command lines are inert", async () => {
    const dir = tempDir("snippets-site-");
    const server = validHostileServer();
    const file = path.join(dir, "servers", server.name, server.version, "server.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify(
        { $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json", ...server },
        null,
        2,
      ) + "\n",
    );
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
    const page = fs.readFileSync(path.join(dir, "dist", `${serverPageDir(server.name)}index.html`), "utf8");
    const published = JSON.parse(fs.readFileSync(file, "utf8")) as ServerJson;
    // 7 command lines (the oci one included) and 5 `claude mcp add` lines (none for the 3 options whose
    // author text holds `${`), each pasted into every test shell
    expect(expectSafePage(page, published)).toBe((7 + 5) * TEST_SHELLS.length);
    expect(page).toContain(`data-copy="snippet-package-2-shell"`);
    // the page says which shells the command lines are for (no PowerShell or cmd.exe line is offered)
    expect(page).toContain("command line (sh, bash, zsh)");
    expect(page).toContain("on Windows, use a JSON configuration");
  }, 60_000);
});
