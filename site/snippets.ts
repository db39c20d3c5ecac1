// Install snippets for MCP clients, generated from a server.json's packages and remotes.
//
// Secrets never appear as values: an input marked isSecret (and every variable inside it) always becomes a
// placeholder, `${input:<id>}` in VS Code (which then prompts with a password box) and `<YOUR_NAME>` elsewhere,
// whatever value or default the author wrote. Pure: no IO.
//
// Everything in a snippet came from the document's author, and a user pastes it into a shell or a config
// file. So:
// - Command lines are for POSIX shells (sh, bash, zsh, dash). Every word is single-quoted unless it is
//   provably inert (see quoteShell); `NAME=value` is written only for a valid shell name; the program word
//   can never become an assignment, a builtin, a function or an alias (see programWords); a line with a
//   control or invisible character, or whose package identifier would be read as an option, is not offered.
// - No PowerShell or cmd.exe lines are offered, on purpose: the site has none, and on Windows npx, uvx and
//   dnx are .cmd/.exe shims that cmd.exe re-parses (`&`, `|`, `%VAR%`), so no PowerShell quoting could make a
//   hostile argument inert there (the "BatBadBut" class). Windows users take the JSON configurations.
// - JSON snippets are built from null-prototype objects, so keys like `__proto__` or `constructor` are
//   kept as data (a plain `{}` would turn `out["__proto__"] = …` into a prototype change and drop the key).
// - VS Code, Cursor and Claude Code replace `${…}` in their configurations (`${env:NAME}` is the user's
//   environment variable, `${command:…}` runs a command; Claude Code expands `${NAME}`): a configuration, an
//   install link or a `claude mcp add` line for them with author text containing `${` is not offered, or a
//   remote server could be handed the user's secrets. mcp-remote replaces `${NAME}` in
//   its --header arguments, so the Claude Desktop bridge needs header names that are HTTP tokens.

import type { Argument, Input, KeyValueInput, Package, ServerJson, Transport } from "../scripts/lib/model.ts";
import { visible } from "../scripts/lib/terminal.ts";

/** A hole the user has to fill in: a secret, or a required value with no default. */
interface Hole {
  readonly hole: string;
  readonly description?: string;
  readonly isSecret: boolean;
}
type Part = string | Hole;
/** A value made of literal text and holes, rendered differently per client. */
type Value = readonly Part[];

export type SnippetClient = "vscode" | "claude-desktop" | "cursor" | "claude-code" | "shell";

/** What a command line runs: the program the shell starts, its arguments and the environment it adds. */
interface ShellRun {
  readonly program: string;
  readonly args: readonly string[];
  readonly env: readonly (readonly [string, string])[];
}

export interface Snippet {
  /** Stable id within its option, e.g. `vscode`, `npx`, `shell` (a command line for another program). */
  readonly id: string;
  readonly client: SnippetClient;
  /** Human label: "VS Code", "npx". */
  readonly label: string;
  /** Where the text goes, e.g. `.vscode/mcp.json`; absent for command lines. */
  readonly file?: string;
  readonly language: "json" | "shell";
  readonly text: string;
  /** For command lines: exactly what `text` runs when pasted into a POSIX shell. */
  readonly runs?: ShellRun;
}

/**
 * A one-click install link: opening it hands the client exactly the configuration of the snippet it sits
 * beside (the same object, serialised once). Formats, as each client documents and parses them:
 * - VS Code: `vscode:mcp/install?<percent-encoded JSON>`, the JSON being the `--add-mcp` object (`name`,
 *   the server entry, `inputs`); Insiders takes the same with `vscode-insiders:`. VS Code decodes it with
 *   `JSON.parse(decodeURIComponent(query))` (mcpWorkbenchService.ts, handleMcpInstallUri).
 * - Cursor: `cursor://anysphere.cursor-deeplink/mcp/install?name=<name>&config=<base64(JSON entry)>`. The
 *   base64 is percent-encoded too, so its `+` cannot turn into a space under form decoding.
 */
export interface InstallLink {
  readonly id: "vscode" | "vscode-insiders" | "cursor";
  readonly label: string;
  readonly href: string;
}

export interface Setting {
  readonly kind: "environment variable" | "header" | "argument" | "variable";
  readonly name: string;
  readonly description?: string;
  readonly isRequired: boolean;
  readonly isSecret: boolean;
  readonly default?: string;
  readonly choices?: readonly string[];
}

export interface InstallOption {
  /** `package-1`, `remote-1`, … in document order. */
  readonly id: string;
  readonly kind: "package" | "remote";
  readonly label: string;
  readonly snippets: readonly Snippet[];
  /** One-click install links, each carrying the configuration of the VS Code or Cursor snippet above. */
  readonly links: readonly InstallLink[];
  /** Plain-text remarks (e.g. how to run a bundle that has no command line). */
  readonly notes: readonly string[];
  readonly settings: readonly Setting[];
}

const SECRET_NAME = /[^A-Za-z0-9]+/g;

function holeFor(name: string, input: Input, isSecret: boolean): Hole {
  return input.description === undefined
    ? { hole: name, isSecret }
    : { hole: name, description: input.description, isSecret };
}

/** Expands `{var}` in a template with the given variables; unknown names stay literal. */
function expandTemplate(template: string, lookup: (name: string) => Value | undefined): Value {
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{([^{}]+)\}/g)) {
    const value = lookup(match[1] ?? "");
    if (value === undefined) continue;
    parts.push(template.slice(last, match.index));
    parts.push(...value);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return mergeText(parts);
}

function mergeText(parts: readonly Part[]): Value {
  const out: Part[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (typeof part === "string" && part === "") continue;
    if (typeof part === "string" && typeof prev === "string") out[out.length - 1] = prev + part;
    else out.push(part);
  }
  return out.length === 0 ? [""] : out;
}

/** What the client should pass for an input: its value, else its default, else a hole. Secrets are always holes. */
function resolveInput(input: Input, name: string, forceSecret = false): Value {
  const isSecret = forceSecret || input.isSecret === true;
  const variables = input.variables ?? {};
  const lookup = (varName: string): Value | undefined => {
    const variable = Object.hasOwn(variables, varName) ? variables[varName] : undefined;
    return variable === undefined ? undefined : resolveInput(variable, varName, isSecret);
  };
  if (typeof input.value === "string") {
    const expanded = expandTemplate(input.value, lookup);
    // A secret with a fixed value would leak that value: only its holes survive.
    if (isSecret && expanded.every((p) => typeof p === "string")) return [holeFor(name, input, true)];
    return expanded;
  }
  if (!isSecret && typeof input.default === "string") return [input.default];
  return [holeFor(name, input, isSecret)];
}

function isIncluded(input: Input): boolean {
  return input.isRequired === true || typeof input.value === "string";
}

function argumentValues(args: readonly Argument[] | undefined): Value[] {
  const out: Value[] = [];
  for (const arg of args ?? []) {
    if (!isIncluded(arg)) continue;
    if (arg.type === "positional") {
      out.push(resolveInput(arg, arg.valueHint ?? arg.name ?? "value"));
      continue;
    }
    const flag = arg.name ?? "";
    if (flag === "") continue;
    const hasNoValue = arg.value === undefined && arg.default === undefined;
    if (hasNoValue && arg.format === "boolean") {
      out.push([flag]);
      continue;
    }
    out.push([flag]);
    out.push(resolveInput(arg, arg.valueHint ?? flag.replace(/^-+/, "")));
  }
  return out;
}

function keyValues(items: readonly KeyValueInput[] | undefined): [string, Value][] {
  return (items ?? []).filter(isIncluded).map((item) => [item.name, resolveInput(item, item.name)]);
}

/** A local launch: command, argv and environment, plus a URL when the package serves HTTP instead of stdio. */
interface Launch {
  readonly command: string;
  /** The argv after the command, given the environment variables passed on (docker names each with `-e`). */
  readonly args: (envNames: readonly string[]) => Value[];
  readonly env: readonly [string, Value][];
  /** The package identifier, which the runtime must not read as an option. */
  readonly identifier: string;
  readonly url?: Value;
  readonly transportType: string;
}

const DEFAULT_RUNTIME: Readonly<Record<string, string>> = {
  npm: "npx",
  pypi: "uvx",
  oci: "docker",
  nuget: "dnx",
};

function literal(value: Value): string | undefined {
  return value.length === 1 && typeof value[0] === "string" ? value[0] : undefined;
}

function packageLaunch(pkg: Package): Launch | undefined {
  const command = pkg.runtimeHint ?? DEFAULT_RUNTIME[pkg.registryType];
  if (command === undefined) return undefined;
  const runtimeArgs = argumentValues(pkg.runtimeArguments);
  const packageArgs = argumentValues(pkg.packageArguments);
  const env = keyValues(pkg.environmentVariables);
  const version = pkg.version;
  let args: (envNames: readonly string[]) => Value[];
  switch (pkg.registryType) {
    case "npm": {
      const spec = version === undefined ? pkg.identifier : `${pkg.identifier}@${version}`;
      const hasYes = runtimeArgs.some((v) => literal(v) === "-y" || literal(v) === "--yes");
      args = () => [...(command === "npx" && !hasYes ? [["-y"]] : []), ...runtimeArgs, [spec], ...packageArgs];
      break;
    }
    case "pypi": {
      const spec = version === undefined ? pkg.identifier : `${pkg.identifier}==${version}`;
      args = () => [...runtimeArgs, [spec], ...packageArgs];
      break;
    }
    case "oci": {
      // docker reads each `-e NAME` from the environment given to it.
      const envFlags = (names: readonly string[]) => names.flatMap((name): Value[] => [["-e"], [name]]);
      args = (names) =>
        command === "docker"
          ? [["run"], ["-i"], ["--rm"], ...runtimeArgs, ...envFlags(names), [pkg.identifier], ...packageArgs]
          : [...runtimeArgs, [pkg.identifier], ...packageArgs];
      break;
    }
    case "nuget": {
      const spec = version === undefined ? pkg.identifier : `${pkg.identifier}@${version}`;
      args = () => [...runtimeArgs, [spec], ["--yes"], ...packageArgs];
      break;
    }
    default:
      args = () => [...runtimeArgs, [pkg.identifier], ...packageArgs];
  }
  const identifier = pkg.identifier;
  const transportType = pkg.transport?.type ?? "stdio";
  if (transportType === "stdio" || typeof pkg.transport?.url !== "string") {
    return { command, args, env, identifier, transportType: "stdio" };
  }
  const allArgs = [...(pkg.runtimeArguments ?? []), ...(pkg.packageArguments ?? [])];
  const url = transportUrl(pkg.transport, (name) => {
    const arg = allArgs.find((a) => a.name === name || a.valueHint === name);
    if (arg === undefined) return undefined;
    return resolveInput(arg, arg.valueHint ?? arg.name?.replace(/^-+/, "") ?? name);
  });
  return { command, args, env, identifier, url, transportType };
}

function transportUrl(transport: Transport, fallback: (name: string) => Value | undefined = () => undefined): Value {
  const variables = transport.variables ?? {};
  return expandTemplate(transport.url ?? "", (name) => {
    const variable = Object.hasOwn(variables, name) ? variables[name] : undefined;
    return variable === undefined ? fallback(name) : resolveInput(variable, name);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

/** Renders holes for one client; collects VS Code inputs on the way. */
interface Renderer {
  render(value: Value): string;
  /** Author text rendered so far that contains `${` (which VS Code and Cursor would expand). */
  readonly interpolations: string[];
}

function noteInterpolation(part: string, interpolations: string[]): string {
  if (part.includes("${")) interpolations.push(part);
  return part;
}

function placeholderText(hole: Hole): string {
  return hole.isSecret
    ? `<YOUR_${hole.hole.replace(SECRET_NAME, "_").replace(/^_|_$/g, "").toUpperCase()}>`
    : `<${hole.hole}>`;
}

function plainRenderer(): Renderer {
  const interpolations: string[] = [];
  return {
    interpolations,
    render: (value) =>
      value.map((p) => noteInterpolation(typeof p === "string" ? p : placeholderText(p), interpolations)).join(""),
  };
}

interface VsCodeInput {
  type: "promptString";
  id: string;
  description: string;
  password?: true;
}

function vscodeRenderer(): Renderer & { inputs: VsCodeInput[] } {
  const inputs: VsCodeInput[] = [];
  const ids = new Map<string, string>();
  const interpolations: string[] = [];
  return {
    inputs,
    interpolations,
    render(value) {
      return value
        .map((part) => {
          if (typeof part === "string") return noteInterpolation(part, interpolations);
          const key = `${part.hole}\u0000${part.isSecret}`;
          let id = ids.get(key);
          if (id === undefined) {
            const base =
              part.hole
                .toLowerCase()
                .replace(SECRET_NAME, "_")
                .replace(/^_+|_+$/g, "") || "value";
            id = base;
            for (let n = 2; inputs.some((i) => i.id === id); n++) id = `${base}_${n}`;
            ids.set(key, id);
            const input: VsCodeInput = { type: "promptString", id, description: part.description ?? part.hole };
            if (part.isSecret) input.password = true;
            inputs.push(input);
          }
          return `\${input:${id}}`;
        })
        .join("");
    },
  };
}

/**
 * An object for JSON output whose keys are data. It has no prototype, so `__proto__`, `constructor` or
 * `toString` become own keys that JSON.stringify writes, instead of hitting Object.prototype.
 */
function jsonObject(entries: Iterable<readonly [string, unknown]> = []): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}

function renderEnv(env: readonly [string, Value][], r: Renderer): Record<string, unknown> | undefined {
  if (env.length === 0) return undefined;
  // Keys are author text too: VS Code expands `${…}` in keys as in values.
  return jsonObject(env.map(([name, value]) => [r.render([name]), r.render(value)]));
}

// DEL, C1 controls, bidi and zero-width characters, and the JS line separators: JSON.stringify writes them
// raw (only C0 controls are escaped). They can only occur inside strings, where `\uXXXX` is the same value,
// so the configuration shown (and copied) reads as what the client will get.
const INVISIBLE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

function json(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    INVISIBLE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A name the shell accepts on the left of `NAME=value` (POSIX XBD 3.216 "Name"); nothing else is written so. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters no POSIX shell (nor bash or zsh) treats specially inside a word. */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** `NAME=…` at the start of a word: an assignment as the first word, and for every word under bash's `set -k`. */
const ASSIGNMENT_LIKE = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * POSIX shell quoting of one word: bare when provably inert, else single quotes, in which every character is
 * literal (a `'` is written `'\''`). Bare words are limited to BARE_WORD, and never start with `=` (zsh
 * expands `=cmd` to a path) nor look like an assignment.
 */
export function quoteShell(word: string): string {
  if (BARE_WORD.test(word) && !word.startsWith("=") && !ASSIGNMENT_LIKE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Programs written bare as the command word: common runtimes, none of them a shell builtin or reserved word. */
const PLAIN_PROGRAMS: ReadonlySet<string> = new Set([
  "npx",
  "uvx",
  "docker",
  "dnx",
  "cargo",
  "pipx",
  "uv",
  "node",
  "python",
  "python3",
  "bunx",
  "bun",
  "deno",
  "podman",
  "npm",
  "pnpm",
  "yarn",
  "dotnet",
  "java",
  "claude",
]);

/**
 * The words that start `program`, which the author may have chosen (runtimeHint). Quoting alone keeps it from
 * being an assignment (POSIX 2.10.2 rule 7: only an unquoted `=` after an unquoted name makes one) or a
 * reserved word, but not from being a builtin (`eval`, `exec`, `.`) or function that would re-read the
 * arguments as shell code. So any other program goes through `env --`, which execs a program found on PATH
 * and nothing else. env reads leading NAME=VALUE operands as assignments, so a program with `=` in its name
 * goes through `command --` instead: the shell runs it as a utility (`command` skips functions, no builtin's
 * name contains `=`, and the quoted word after `command` is an argument, never an assignment).
 */
function programWords(program: string): string[] {
  if (PLAIN_PROGRAMS.has(program)) return [program];
  return [program.includes("=") ? "command" : "env", "--", quoteShell(program)];
}

type ShellLine =
  | { readonly kind: "line"; readonly text: string; readonly runs: ShellRun }
  | { readonly kind: "refused"; readonly reason: string };

/**
 * A command line for `run`, or why none is offered. A word with a control or invisible character is refused:
 * pasted into a terminal, a Ctrl+U or carriage return acts on the line being typed (quotes cannot stop
 * that), and bidi or zero-width characters make the line read differently from what it runs.
 */
function shellLine(run: ShellRun): ShellLine {
  for (const [name] of run.env) {
    if (!SHELL_NAME.test(name))
      throw new Error(
        `snippets: environment variable ${visible(JSON.stringify(name))} reached shellLine; this is a bug in the registry scripts`,
      );
  }
  const words = [run.program, ...run.args, ...run.env.flat()];
  const unsafe = words.find((w) => visible(w) !== w);
  if (unsafe !== undefined) {
    return {
      kind: "refused",
      reason: `No command line is shown: "${visible(unsafe)}" contains control or invisible characters, which a terminal could act on or hide. Use a JSON configuration instead.`,
    };
  }
  if (run.program === "")
    return { kind: "refused", reason: "No command line is shown: the package names an empty runtime." };
  const text = [
    ...run.env.map(([name, value]) => `${name}=${quoteShell(value)}`),
    ...programWords(run.program),
    ...run.args.map(quoteShell),
  ].join(" ");
  return { kind: "line", text, runs: run };
}

/** A package identifier starting with `-` would be read by the runtime as one of its own options. */
function optionLikeIdentifier(identifier: string): string | undefined {
  return identifier.startsWith("-")
    ? `No command line is shown: the package identifier "${visible(identifier)}" starts with "-", so the runtime would read it as an option.`
    : undefined;
}

function vscodeType(transportType: string): string {
  return transportType === "sse" ? "sse" : "http";
}

function stdioEntry(launch: Launch, r: Renderer): Record<string, unknown> {
  const entry = jsonObject([
    // rendered like every author text, so a `${` in a runtime hint is noticed too
    ["command", r.render([launch.command])],
    ["args", launch.args(launch.env.map(([name]) => name)).map((a) => r.render(a))],
  ]);
  const env = renderEnv(launch.env, r);
  if (env !== undefined) entry.env = env;
  return entry;
}

/** A snippet, or notes saying why none is offered; either way the notes are shown. */
interface Offer {
  readonly snippet?: Snippet;
  readonly notes: readonly string[];
  readonly links?: readonly InstallLink[];
}

function interpolationRefusal(client: string, r: Renderer): string | undefined {
  const found = r.interpolations[0];
  return found === undefined
    ? undefined
    : `No ${client} configuration is shown: "${visible(found)}" contains "\${", which ${client} replaces with a value of its own (\${env:NAME} is one of your environment variables).`;
}

function vscodeSnippet(key: string, entry: (r: Renderer) => Record<string, unknown>): Offer {
  const r = vscodeRenderer();
  const server = entry(r);
  noteInterpolation(key, r.interpolations);
  const refusal = interpolationRefusal("VS Code", r);
  if (refusal !== undefined) return { notes: [refusal] };
  const doc = jsonObject();
  if (r.inputs.length > 0) doc.inputs = r.inputs;
  doc.servers = jsonObject([[key, server]]);
  return {
    snippet: {
      id: "vscode",
      client: "vscode",
      label: "VS Code",
      file: ".vscode/mcp.json",
      language: "json",
      text: json(doc),
    },
    notes: [],
    links: vscodeLinks(key, server, r.inputs),
  };
}

/**
 * encodeURIComponent, plus `!'()*` (RFC 3986's strict set): a link is then only letters, digits, `-._~`,
 * `%XX` and its own `:/?=&`, so it survives HTML attributes, Markdown and a shell's `xdg-open` unquoted.
 */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The `--add-mcp` object VS Code's URL handler takes: the name, the server entry, and its inputs. */
function vscodeLinks(key: string, server: Record<string, unknown>, inputs: readonly VsCodeInput[]): InstallLink[] {
  const payload = jsonObject([["name", key], ...Object.entries(server)]);
  if (inputs.length > 0) payload.inputs = inputs;
  const query = encodeQueryValue(JSON.stringify(payload));
  return [
    { id: "vscode", label: "Install in VS Code", href: `vscode:mcp/install?${query}` },
    { id: "vscode-insiders", label: "Install in VS Code Insiders", href: `vscode-insiders:mcp/install?${query}` },
  ];
}

/** Base64 of the UTF-8 bytes (btoa alone takes Latin-1 only); the same in Node and browsers. */
function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function cursorLink(key: string, entry: Record<string, unknown>): InstallLink {
  const config = encodeQueryValue(base64Utf8(JSON.stringify(entry)));
  return {
    id: "cursor",
    label: "Install in Cursor",
    href: `cursor://anysphere.cursor-deeplink/mcp/install?name=${encodeQueryValue(key)}&config=${config}`,
  };
}

/** Claude Desktop (which expands nothing in its config) or Cursor (which expands `${…}`). */
function mcpServersSnippet(
  client: "claude-desktop" | "cursor",
  key: string,
  entry: (r: Renderer) => Record<string, unknown> | string,
): Offer {
  const r = plainRenderer();
  const built = entry(r);
  if (typeof built === "string") return { notes: [built] };
  noteInterpolation(key, r.interpolations);
  const refusal = client === "cursor" ? interpolationRefusal("Cursor", r) : undefined;
  if (refusal !== undefined) return { notes: [refusal] };
  const text = json(jsonObject([["mcpServers", jsonObject([[key, built]])]]));
  const links = client === "cursor" ? [cursorLink(key, built)] : [];
  const snippet: Snippet =
    client === "cursor"
      ? { id: "cursor", client, label: "Cursor", file: ".cursor/mcp.json", language: "json", text }
      : {
          id: "claude-desktop",
          client,
          label: "Claude Desktop",
          file: "claude_desktop_config.json",
          language: "json",
          text,
        };
  return { snippet, notes: [], links };
}

function envVarName(header: string, taken: { has(name: string): boolean }): string {
  const base = header
    .toUpperCase()
    .replace(SECRET_NAME, "_")
    .replace(/^_+|_+$/g, "");
  const name = /^[A-Z_]/.test(base) ? base : `H_${base}`;
  let unique = name;
  for (let n = 2; taken.has(unique); n++) unique = `${name}_${n}`;
  return unique;
}

/** An HTTP header name (RFC 9110 token): no `:`, `{` or `}`, so `NAME:${VAR}` splits and expands as meant. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Claude Desktop's config file starts local processes only; remote servers go through the mcp-remote bridge,
 * which reads each header as `Name:${VARIABLE}` from its arguments (the value stays in env, never expanded).
 */
function claudeRemoteEntry(
  url: Value,
  headers: readonly [string, Value][],
  transportType: string,
  r: Renderer,
): Record<string, unknown> | string {
  const bad = headers.find(([name]) => !HTTP_TOKEN.test(name));
  if (bad !== undefined)
    return `No Claude Desktop configuration is shown: the header name "${visible(bad[0])}" is not a valid HTTP header name, and mcp-remote would misread it.`;
  const args = ["-y", "mcp-remote", r.render(url)];
  const env = new Map<string, string>();
  for (const [name, value] of headers) {
    // Two headers whose names map to one variable (X-Key, x_key) each get their own.
    const variable = envVarName(name, env);
    args.push("--header", `${name}:\${${variable}}`);
    env.set(variable, r.render(value));
  }
  if (transportType === "sse") args.push("--transport", "sse-only");
  const entry = jsonObject([
    ["command", "npx"],
    ["args", args],
  ]);
  if (headers.length > 0) entry.env = jsonObject(env);
  return entry;
}

function urlEntry(
  url: Value,
  headers: readonly [string, Value][],
  r: Renderer,
  type?: string,
): Record<string, unknown> {
  const entry = type === undefined ? jsonObject() : jsonObject([["type", type]]);
  entry.url = r.render(url);
  const rendered = renderEnv(headers, r);
  if (rendered !== undefined) entry.headers = rendered;
  return entry;
}

/**
 * The command line of a launch, and notes for what it leaves out. An environment variable whose name is not
 * a shell name cannot be set with `NAME=value` (and `env 'NAME=value'` would split a name with `=` in it), so
 * it is left out, with a note that names it; validation refuses such names (env-var/invalid-name) anyway.
 */
function shellSnippet(launch: Launch): Offer {
  const notes: string[] = [];
  const refusal = optionLikeIdentifier(launch.identifier);
  if (refusal !== undefined) return { notes: [refusal] };
  const r = plainRenderer();
  const env: [string, string][] = [];
  for (const [name, value] of launch.env) {
    if (SHELL_NAME.test(name)) env.push([name, r.render(value)]);
    else
      notes.push(
        `The command line leaves out the environment variable "${visible(name)}": it is not a valid shell variable name (letters, digits and _, not starting with a digit). Set it yourself, or use a JSON configuration.`,
      );
  }
  const args = launch.args(env.map(([name]) => name)).map((a) => r.render(a));
  const line = shellLine({ program: launch.command, args, env });
  if (line.kind === "refused") return { notes: [...notes, line.reason] };
  const id = PLAIN_PROGRAMS.has(launch.command) ? launch.command : "shell";
  return {
    snippet: { id, client: "shell", label: launch.command, language: "shell", text: line.text, runs: line.runs },
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Claude Code: one `claude mcp add` line

/**
 * `claude mcp add --transport T [--env K=V | --header "N: V"]… -- <name> <command> <args…>` (or `-- <name>
 * <url>`). Claude Code's `--env` and `--header` take several values each, so a name written right after them
 * is read as one more value (anthropics/claude-code#62332, still so in 2.1.150); after `--` every word is an
 * operand: the name, then the command or URL, then its arguments, whatever they look like. Claude Code
 * expands `${VAR}` in a server's command, args, env, url and headers, so author text containing `${` is
 * refused, as for VS Code and Cursor.
 */
function claudeCodeLine(key: string, options: readonly string[], target: readonly string[], r: Renderer): Offer {
  noteInterpolation(key, r.interpolations);
  const found = r.interpolations[0];
  if (found !== undefined)
    return {
      notes: [
        `No Claude Code line is shown: "${visible(found)}" contains "\${", which Claude Code replaces with one of your environment variables.`,
      ],
    };
  const line = shellLine({ program: "claude", args: ["mcp", "add", ...options, "--", key, ...target], env: [] });
  if (line.kind === "refused") return { notes: [line.reason] };
  return {
    snippet: {
      id: "claude-code",
      client: "claude-code",
      label: "Claude Code",
      language: "shell",
      text: line.text,
      runs: line.runs,
    },
    notes: [],
  };
}

function claudeCodeStdio(key: string, launch: Launch): Offer {
  const refusal = optionLikeIdentifier(launch.identifier);
  if (refusal !== undefined) return { notes: [refusal] };
  if (launch.command === "") return { notes: ["No Claude Code line is shown: the package names an empty runtime."] };
  const r = plainRenderer();
  // Claude Code splits `--env NAME=value` at the first `=`: only shell names survive that (and validation
  // refuses the others, env-var/invalid-name).
  const env = launch.env.filter(([name]) => SHELL_NAME.test(name));
  const options = ["--transport", "stdio", ...env.flatMap(([name, value]) => ["--env", `${name}=${r.render(value)}`])];
  const command = [r.render([launch.command]), ...launch.args(env.map(([name]) => name)).map((a) => r.render(a))];
  const offer = claudeCodeLine(key, options, command, r);
  const skipped = launch.env.filter(([name]) => !SHELL_NAME.test(name));
  if (skipped.length === 0 || offer.snippet === undefined) return offer;
  return {
    ...offer,
    notes: skipped.map(
      ([name]) =>
        `The claude mcp add line leaves out the environment variable "${visible(name)}": it is not a valid variable name. Set it yourself, or use a JSON configuration.`,
    ),
  };
}

function claudeCodeRemote(key: string, url: Value, headers: readonly [string, Value][], transportType: string): Offer {
  const bad = headers.find(([name]) => !HTTP_TOKEN.test(name));
  if (bad !== undefined)
    return {
      notes: [
        `No Claude Code line is shown: the header name "${visible(bad[0])}" is not a valid HTTP header name, and Claude Code splits each --header at its first ":".`,
      ],
    };
  const r = plainRenderer();
  const options = [
    "--transport",
    transportType === "sse" ? "sse" : "http",
    ...headers.flatMap(([name, value]) => ["--header", `${name}: ${r.render(value)}`]),
  ];
  return claudeCodeLine(key, options, [r.render(url)], r);
}

function cargoSnippet(pkg: Package): Offer {
  const refusal = optionLikeIdentifier(pkg.identifier);
  if (refusal !== undefined) return { notes: [refusal] };
  const args = ["install", pkg.identifier, ...(pkg.version === undefined ? [] : ["--version", pkg.version])];
  const line = shellLine({ program: "cargo", args, env: [] });
  if (line.kind === "refused") return { notes: [line.reason] };
  return {
    snippet: { id: "cargo", client: "shell", label: "cargo", language: "shell", text: line.text, runs: line.runs },
    notes: [],
  };
}

/**
 * The exact command and arguments a client's configuration starts for a stdio package (what Claude Code's
 * managed `serverCommand` matches), or undefined when there is no such fixed line: no known launcher, an
 * HTTP package, or an argument the user has to fill in (a hole, whose value no policy can know).
 */
export function packageCommand(pkg: Package): readonly string[] | undefined {
  const launch = packageLaunch(pkg);
  if (launch === undefined || launch.url !== undefined) return undefined;
  const args = launch.args(launch.env.map(([name]) => name)).map(literal);
  if (args.some((a) => a === undefined)) return undefined;
  return [launch.command, ...(args as string[])];
}

// ---------------------------------------------------------------------------------------------------------
// Settings (the table of everything a user can set)

function setting(kind: Setting["kind"], name: string, input: Input): Setting {
  const s: { -readonly [K in keyof Setting]: Setting[K] } = {
    kind,
    name,
    isRequired: input.isRequired === true,
    isSecret: input.isSecret === true,
  };
  if (input.description !== undefined) s.description = input.description;
  if (input.default !== undefined && input.isSecret !== true) s.default = input.default;
  if (input.choices !== undefined) s.choices = input.choices;
  return s;
}

function variableSettings(variables: Record<string, Input> | undefined): Setting[] {
  return Object.keys(variables ?? {})
    .sort()
    .map((name) => setting("variable", name, (variables ?? {})[name] ?? {}));
}

function argumentSettings(args: readonly Argument[] | undefined): Setting[] {
  return (args ?? []).flatMap((a) => [
    setting("argument", a.name ?? a.valueHint ?? "(positional)", a),
    ...variableSettings(a.variables),
  ]);
}

function packageSettings(pkg: Package): Setting[] {
  return [
    ...(pkg.environmentVariables ?? []).map((e) => setting("environment variable", e.name, e)),
    ...argumentSettings(pkg.runtimeArguments),
    ...argumentSettings(pkg.packageArguments),
    ...variableSettings(pkg.transport?.variables),
  ];
}

function remoteSettings(remote: Transport): Setting[] {
  return [...(remote.headers ?? []).map((h) => setting("header", h.name, h)), ...variableSettings(remote.variables)];
}

// ---------------------------------------------------------------------------------------------------------

/** The config key for a server: the part of its name after the slash. */
export function serverKey(server: ServerJson): string {
  const slash = server.name.indexOf("/");
  return slash === -1 ? server.name : server.name.slice(slash + 1);
}

function packageOption(server: ServerJson, pkg: Package, index: number): InstallOption {
  const key = serverKey(server);
  const label = `${pkg.registryType} ${pkg.identifier}${pkg.version === undefined ? "" : `@${pkg.version}`}`;
  const launch = packageLaunch(pkg);
  const notes: string[] = [];
  const snippets: Snippet[] = [];
  const links: InstallLink[] = [];
  const offer = (o: Offer): void => {
    if (o.snippet !== undefined) snippets.push(o.snippet);
    notes.push(...o.notes);
    links.push(...(o.links ?? []));
  };
  if (launch === undefined) {
    if (pkg.registryType === "mcpb") {
      notes.push(
        `Download the bundle ${pkg.identifier} and open it in Claude Desktop (or another client that installs MCP bundles).`,
      );
      if (pkg.fileSha256 !== undefined) notes.push(`Check its SHA-256: ${pkg.fileSha256}`);
    } else if (pkg.registryType === "cargo") {
      offer(cargoSnippet(pkg));
      notes.push(
        "The package gives no command to start it: install it with cargo, then point your client at the installed program.",
      );
    } else {
      notes.push(`No known command starts ${pkg.registryType} packages; see the package's own documentation.`);
    }
  } else if (launch.url === undefined) {
    offer(vscodeSnippet(key, (r) => jsonObject([["type", "stdio"], ...Object.entries(stdioEntry(launch, r))])));
    offer(mcpServersSnippet("claude-desktop", key, (r) => stdioEntry(launch, r)));
    offer(mcpServersSnippet("cursor", key, (r) => stdioEntry(launch, r)));
    offer(claudeCodeStdio(key, launch));
    offer(shellSnippet(launch));
  } else {
    const url = launch.url;
    notes.push(
      "This package serves MCP over HTTP: start it with the command line first, then connect your client to its URL.",
    );
    offer(shellSnippet(launch));
    offer(vscodeSnippet(key, (r) => urlEntry(url, [], r, vscodeType(launch.transportType))));
    offer(mcpServersSnippet("claude-desktop", key, (r) => claudeRemoteEntry(url, [], launch.transportType, r)));
    offer(mcpServersSnippet("cursor", key, (r) => urlEntry(url, [], r)));
    offer(claudeCodeRemote(key, url, [], launch.transportType));
  }
  return { id: `package-${index + 1}`, kind: "package", label, snippets, links, notes, settings: packageSettings(pkg) };
}

function remoteOption(server: ServerJson, remote: Transport, index: number): InstallOption {
  const key = serverKey(server);
  const url = transportUrl(remote);
  const headers = keyValues(remote.headers);
  const offers = [
    vscodeSnippet(key, (r) => urlEntry(url, headers, r, vscodeType(remote.type))),
    mcpServersSnippet("claude-desktop", key, (r) => claudeRemoteEntry(url, headers, remote.type, r)),
    mcpServersSnippet("cursor", key, (r) => urlEntry(url, headers, r)),
    claudeCodeRemote(key, url, headers, remote.type),
  ];
  const snippets = offers.flatMap((o) => (o.snippet === undefined ? [] : [o.snippet]));
  const links = offers.flatMap((o) => o.links ?? []);
  const notes = [
    "Claude Desktop's config file starts local programs only, so its snippet uses the mcp-remote bridge (or add the URL under Settings → Connectors).",
    ...offers.flatMap((o) => o.notes),
  ];
  return {
    id: `remote-${index + 1}`,
    kind: "remote",
    label: `${remote.type} ${remote.url ?? ""}`,
    snippets,
    links,
    notes,
    settings: remoteSettings(remote),
  };
}

/** One install option per package and per remote, in document order. */
export function buildInstallOptions(server: ServerJson): InstallOption[] {
  const packages = Array.isArray(server.packages) ? server.packages : [];
  const remotes = Array.isArray(server.remotes) ? server.remotes : [];
  return [
    ...packages.map((pkg, i) => packageOption(server, pkg, i)),
    ...remotes.map((remote, i) => remoteOption(server, remote, i)),
  ];
}
