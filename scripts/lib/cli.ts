// Shared by the command-line entry points: one option framework on node:util parseArgs (usage, --help,
// value checks), the errors at the boundary and how each is printed, prompts that end cleanly on Ctrl+C and
// Ctrl+D, and diagnostic printing.
//
// Exit codes: 0 success; 1 an expected failure (a refusal, the network, bad input files, Ctrl+C), one line
// on stderr; 2 a usage error (unknown option, missing or bad value, wrong arguments), one line on stderr
// ending "(see --help)"; 3 a bug in these scripts, with its stack.

import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { formatDiagnostic, formatSummary, type Diagnostic } from "./diagnostics.ts";
import { describeNetworkFailure, RefusalError } from "./errors.ts";
import { visible, visibleLines } from "./terminal.ts";

/** An expected failure of the user's input or environment: one line, exit code 1 (or the one given). */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "ExitError";
    this.exitCode = exitCode;
  }
}

/** A wrong invocation (unknown option, missing or bad value, wrong arguments): one line, exit code 2. */
export class UsageError extends ExitError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

// ---------------------------------------------------------------------------------------------------------
// Options

interface OptionBase {
  /** One line for --help. */
  readonly help: string;
  readonly short?: string;
  /** Accepted but left out of --help (internal plumbing, e.g. bench's child process). */
  readonly hidden?: boolean;
}
interface BooleanOption extends OptionBase {
  readonly type: "boolean";
}
interface StringOption extends OptionBase {
  readonly type: "string";
  /** Placeholder shown in --help: DIR, URL, N. */
  readonly value: string;
  readonly default?: string;
  readonly multiple?: boolean;
  readonly choices?: readonly string[];
  /** A problem with the value ("expected a port number 0-65535"), or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
}
type OptionSpec = BooleanOption | StringOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<T extends OptionSpec> = T extends BooleanOption
  ? boolean
  : T extends { readonly multiple: true }
    ? string[] | undefined
    : T extends { readonly default: string }
      ? string
      : string | undefined;

type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface CommandSpec<O extends OptionSpecs> {
  /** The npm script name ("build"): the prefix of every message. */
  readonly name: string;
  /** The usage line(s), e.g. `npm run build -- [--servers DIR] [--out DIR] [--check]`. */
  readonly usage: string | readonly string[];
  /** What the command does, a few lines. */
  readonly description: string;
  readonly options: O;
  /** Positional arguments; without this, none is accepted. */
  readonly positionals?: { readonly name: string; readonly min?: number; readonly max?: number };
  /** One example invocation (or a few). */
  readonly example: string | readonly string[];
  /** More text after the options, e.g. the environment variables read. */
  readonly notes?: string;
}

export interface ParsedCommand<O extends OptionSpecs> {
  readonly values: OptionValues<O>;
  readonly positionals: string[];
}

export type ParseOutcome<O extends OptionSpecs> =
  ({ readonly kind: "run" } & ParsedCommand<O>) | { readonly kind: "help"; readonly text: string };

const HELP: BooleanOption = { type: "boolean", short: "h", help: "print this help and exit" };

const lines = (v: string | readonly string[]): readonly string[] => (typeof v === "string" ? [v] : v);

/** A command's declaration, typed so that `values` in its main knows each option's type. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** The --help text: usage, description, options, example. */
function formatHelp(spec: CommandSpec<OptionSpecs>): string {
  const rows: [string, string][] = [];
  for (const [name, o] of [...Object.entries(spec.options), ["help", HELP] as const]) {
    if (o.hidden) continue;
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` ${o.value}` : ""}`;
    const extra: string[] = [];
    if (o.type === "string" && o.choices) extra.push(`one of ${o.choices.join(", ")}`);
    if (o.type === "string" && o.default !== undefined && o.default !== "") extra.push(`default: ${o.default}`);
    if (o.type === "string" && o.multiple) extra.push("repeatable");
    rows.push([flag, `${o.help}${extra.length > 0 ? ` (${extra.join("; ")})` : ""}`]);
  }
  const width = Math.min(Math.max(...rows.map(([f]) => f.length)) + 2, 34);
  const option = ([f, h]: [string, string]) =>
    f.length + 2 > width ? `  ${f}\n  ${" ".repeat(width)}${h}` : `  ${f.padEnd(width)}${h}`;
  const [first, ...more] = lines(spec.usage);
  return [
    `Usage: ${first ?? ""}`,
    ...more.map((u) => `       ${u}`),
    "",
    spec.description.trim(),
    "",
    "Options:",
    ...rows.map(option),
    ...(spec.notes ? ["", spec.notes.trim()] : []),
    "",
    lines(spec.example).length > 1 ? "Examples:" : "Example:",
    ...lines(spec.example).map((e) => `  ${e}`),
    "",
  ].join("\n");
}

/**
 * Parse argv against a command's options. `--help`/`-h` anywhere before `--` wins; every other problem is a
 * UsageError with one line naming the option. Pure (argv in, values out), so it is tested directly.
 */
export function parseCommand<const O extends OptionSpecs>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParseOutcome<O> {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, o] of Object.entries(spec.options)) {
    config[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.type === "string" && o.multiple ? { multiple: true } : {}),
    };
  }
  // Not strict: unknown options and missing values come back as tokens, and are reported here in one line.
  const { tokens, positionals } = parseArgs({
    args: [...argv],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === "option" && t.name === "help")) return { kind: "help", text: formatHelp(spec) };

  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, o] of Object.entries(spec.options)) values[name] = o.type === "boolean" ? false : o.default;
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const o = Object.hasOwn(spec.options, t.name) ? spec.options[t.name] : undefined;
    if (o === undefined) throw new UsageError(`unknown option ${visible(t.rawName)}`);
    const flag = `--${t.name}`;
    if (o.type === "boolean") {
      if (t.value !== undefined)
        throw new UsageError(`${flag} takes no value, got ${JSON.stringify(visible(t.value))}`);
      values[t.name] = true;
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("-") && t.value !== "-")) {
      throw new UsageError(
        `${flag} needs a value (${flag} ${o.value})${t.value === undefined ? "" : `, got the option ${visible(t.value)}; write ${flag}=${visible(t.value)} if that is the value`}`,
      );
    }
    if (o.choices && !o.choices.includes(t.value))
      throw new UsageError(`${flag} must be one of ${o.choices.join(", ")}, got ${JSON.stringify(visible(t.value))}`);
    const problem = o.check?.(t.value);
    if (problem !== undefined) throw new UsageError(`${flag}: ${problem}, got ${JSON.stringify(visible(t.value))}`);
    if (o.multiple) {
      const list = values[t.name];
      values[t.name] = [...(Array.isArray(list) ? list : []), t.value];
    } else {
      if (seen.has(t.name)) throw new UsageError(`${flag} is given more than once`);
      values[t.name] = t.value;
    }
    seen.add(t.name);
  }

  const p = spec.positionals;
  if (p === undefined && positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(visible(positionals[0]!))}`);
  if (p !== undefined) {
    if (positionals.length < (p.min ?? 0)) throw new UsageError(`missing ${p.name}`);
    if (positionals.length > (p.max ?? Infinity))
      throw new UsageError(`too many arguments: expected ${p.name}, got ${positionals.length}`);
  }
  return { kind: "run", values: values as OptionValues<O>, positionals };
}

/** Checks for StringOption.check. */
export const checks = {
  /** A whole number in [min, max]. */
  integer:
    (min: number, max = Number.MAX_SAFE_INTEGER) =>
    (v: string): string | undefined =>
      /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max
        ? undefined
        : `expected a whole number ${min}-${max === Number.MAX_SAFE_INTEGER ? "…" : max}`,
  /** A number greater than zero. */
  positive: (v: string): string | undefined =>
    v.trim() !== "" && Number.isFinite(Number(v)) && Number(v) > 0 ? undefined : "expected a number greater than 0",
  /** An http(s) URL. */
  httpUrl: (v: string): string | undefined => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:" ? undefined : "expected an http:// or https:// URL";
    } catch {
      return "expected an http:// or https:// URL";
    }
  },
  nonEmpty: (v: string): string | undefined => (v.trim() === "" ? "expected a value" : undefined),
};

// ---------------------------------------------------------------------------------------------------------
// Running

interface Failure {
  readonly message: string;
  readonly exitCode: number;
  readonly usage: boolean;
}

/** The one-line report of an expected failure, or undefined for a bug (which gets its stack printed). */
function explainFailure(e: unknown): Failure | undefined {
  if (e instanceof UsageError) return { message: e.message, exitCode: 2, usage: true };
  if (e instanceof ExitError) return { message: e.message, exitCode: e.exitCode, usage: false };
  if (e instanceof RefusalError) return { message: e.message, exitCode: 1, usage: false };
  const network = describeNetworkFailure(e);
  if (network !== undefined) return { message: `network error: ${network}`, exitCode: 1, usage: false };
  if (!(e instanceof Error)) return undefined;
  const x = e as Error & {
    status?: unknown;
    request?: { method?: string; url?: string };
    code?: unknown;
    syscall?: unknown;
    path?: unknown;
  };
  // Octokit's RequestError: the GitHub API answered with an error, or could not be reached.
  if (x.name === "HttpError" && typeof x.status === "number") {
    const why = describeNetworkFailure(x.cause) ?? `HTTP ${x.status}: ${x.message}`;
    return {
      message: `${x.request?.method ?? "GET"} ${x.request?.url ?? "GitHub API"}: ${why}`,
      exitCode: 1,
      usage: false,
    };
  }
  // A file the user named that is missing, unreadable or in the way (ENOENT, EACCES, EISDIR, ENOSPC, …).
  if (typeof x.code === "string" && typeof x.syscall === "string" && /^E[A-Z]+$/.test(x.code)) {
    return {
      message: `${typeof x.path === "string" ? `${x.path}: ` : ""}${x.code}: cannot ${x.syscall} (${x.message})`,
      exitCode: 1,
      usage: false,
    };
  }
  // JSON.parse of an input: no file name here, but no stack either (callers that know the file say so).
  if (e instanceof SyntaxError && /JSON/.test(e.message))
    return { message: `invalid JSON: ${e.message}`, exitCode: 1, usage: false };
  return undefined;
}

/**
 * The stderr text for a failure of command `name`: `name: problem (see --help)` for a usage error,
 * `error: message` for an expected failure (the form the tests of every command match), a stack for a bug.
 */
export function formatFailure(name: string, e: unknown): { text: string; exitCode: number } {
  const f = explainFailure(e);
  if (f?.usage) return { text: `${name}: ${visible(f.message)} (see --help)\n`, exitCode: f.exitCode };
  if (f) return { text: `error: ${visible(f.message)}\n`, exitCode: f.exitCode };
  return {
    text: `internal error in ${name} (this is a bug in the registry scripts, please open an issue):\n${visibleLines(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`,
    exitCode: 3,
  };
}

/** Run a CLI main; expected failures become one line, anything else a "this is a bug" report (exit 3). */
function runCli(main: () => Promise<number | void>, name = "command"): void {
  main().then(
    (code) => {
      if (typeof code === "number") process.exitCode = code;
    },
    (e: unknown) => {
      const { text, exitCode } = formatFailure(name, e);
      process.stderr.write(text);
      process.exitCode = exitCode;
    },
  );
}

/**
 * The entry point of a command: parse argv (`--help` prints the help and exits 0; a usage problem is one
 * line and exit 2), then run `main` with the values under runCli's error mapping.
 */
export function runCommand<const O extends OptionSpecs>(
  spec: CommandSpec<O>,
  main: (args: ParsedCommand<O>) => Promise<number | void>,
  argv: readonly string[] = process.argv.slice(2),
): void {
  runCli(async () => {
    const parsed = parseCommand(spec, argv);
    if (parsed.kind === "help") {
      process.stdout.write(parsed.text);
      return 0;
    }
    return main(parsed);
  }, spec.name);
}

// ---------------------------------------------------------------------------------------------------------
// Prompts

export interface Prompter {
  /** Ask one question; rejects with ExitError "interrupted" on Ctrl+C, "no answer (end of input)" on Ctrl+D. */
  ask(question: string): Promise<string>;
  close(): void;
}

/**
 * Questions on a terminal (or a pipe). readline alone leaves a question pending forever when the input ends
 * (the process then exits 0 as if all went well) and, on a terminal, swallows Ctrl+C; both end the
 * question here with a one-line expected failure.
 */
export function createPrompter(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Prompter {
  const rl = createInterface({ input, output });
  let ended: ExitError | undefined;
  let pending: ((e: ExitError) => void) | undefined;
  let closing = false;
  const stop = (e: ExitError) => {
    if (closing || ended) return;
    ended = e;
    if (pending) output.write("\n"); // end the prompt's line
    pending?.(e);
  };
  const onInterrupt = () => stop(new ExitError("interrupted"));
  rl.on("SIGINT", onInterrupt); // Ctrl+C on a terminal in raw mode
  process.on("SIGINT", onInterrupt); // a real SIGINT (a pipe, kill -INT)
  rl.on("close", () => stop(new ExitError("no answer (end of input)")));
  return {
    ask(question) {
      if (ended) return Promise.reject(ended);
      return new Promise<string>((resolve, reject) => {
        pending = reject;
        rl.question(question).then(resolve, reject);
      });
    },
    close() {
      closing = true;
      process.off("SIGINT", onInterrupt);
      rl.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Diagnostics

export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  files: number,
  out: NodeJS.WritableStream = process.stderr,
): void {
  for (const d of diagnostics) out.write(formatDiagnostic(d) + "\n");
  out.write(formatSummary(diagnostics, files) + "\n");
}
