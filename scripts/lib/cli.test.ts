// The option framework and the error mapping of every command line, unit by unit. The same rules run
// through the real entry points in scripts/cli-errors.test.ts.

import fs from "node:fs";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { checks, createPrompter, defineCommand, ExitError, formatFailure, parseCommand, UsageError } from "./cli.ts";
import { NetworkError, RefusalError, withNetworkErrors } from "./errors.ts";

const command = defineCommand({
  name: "demo",
  usage: "npm run demo -- [--out DIR] [--check] [--tag T ...] [--kind a|b] [--port N] FILE...",
  description: "A command for the tests.",
  options: {
    out: { type: "string", value: "DIR", default: "dist", help: "where to write" },
    check: { type: "boolean", help: "only compare" },
    tag: { type: "string", value: "T", multiple: true, help: "a tag" },
    kind: { type: "string", value: "K", choices: ["a", "b"], help: "the kind" },
    port: { type: "string", value: "N", check: checks.integer(0, 65535), help: "a port" },
    secret: { type: "boolean", hidden: true, help: "plumbing" },
  },
  positionals: { name: "FILE...", min: 1, max: 2 },
  example: "npm run demo -- --out /tmp/x a.json",
});

const usageError = (argv: string[]): string => {
  try {
    parseCommand(command, argv);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("parseCommand", () => {
  it("gives typed values with defaults, repeated options as a list, and the positionals", () => {
    const r = parseCommand(command, ["--tag", "x", "--tag=y", "--check", "--port", "8080", "a.json"]);
    expect(r).toEqual({
      kind: "run",
      values: { out: "dist", check: true, tag: ["x", "y"], kind: undefined, port: "8080", secret: false },
      positionals: ["a.json"],
    });
  });

  it("--help or -h anywhere before -- prints usage, options and the example (hidden options left out)", () => {
    for (const argv of [["--help"], ["-h"], ["--bogus", "-h"], ["a.json", "--out", "x", "--help"]]) {
      const r = parseCommand(command, argv);
      expect(r.kind, argv.join(" ")).toBe("help");
      if (r.kind !== "help") continue;
      expect(r.text).toMatch(/^Usage: npm run demo -- /);
      expect(r.text).toContain("  --out DIR");
      expect(r.text).toContain("(default: dist)");
      expect(r.text).toContain("(one of a, b)");
      expect(r.text).toContain("-h, --help");
      expect(r.text).toContain("Example:\n  npm run demo -- --out /tmp/x a.json");
      expect(r.text).not.toContain("--secret");
    }
    expect(parseCommand(command, ["--", "--help"]).kind).toBe("run");
  });

  it.each([
    [["--bogus-option", "a"], "unknown option --bogus-option"],
    [["-x", "a"], "unknown option -x"],
    [["a", "--out"], "--out needs a value (--out DIR)"],
    [
      ["--out", "--check", "a"],
      "--out needs a value (--out DIR), got the option --check; write --out=--check if that is the value",
    ],
    [["--check=yes", "a"], '--check takes no value, got "yes"'],
    [["--kind", "c", "a"], '--kind must be one of a, b, got "c"'],
    [["--port", "80x", "a"], '--port: expected a whole number 0-65535, got "80x"'],
    [["--out", "a", "--out", "b", "f"], "--out is given more than once"],
    [[], "missing FILE..."],
    [["a", "b", "c"], "too many arguments: expected FILE..., got 3"],
    [["--bogus\u001b[2J", "a"], "unknown option --bogus\\e[2J"],
  ])("%j is a usage error: %s", (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  it("accepts a value that starts with a dash when it is written inline", () => {
    const r = parseCommand(command, ["--out=-weird", "a"]);
    expect(r.kind === "run" && r.values.out).toBe("-weird");
  });

  it("refuses positionals when the command declares none", () => {
    const none = defineCommand({
      name: "none",
      usage: "npm run none",
      description: "d",
      options: {},
      example: "npm run none",
    });
    expect(parseCommand(none, []).kind).toBe("run");
    expect(() => parseCommand(none, ["stray"])).toThrow('unexpected argument "stray"');
  });
});

describe("formatFailure", () => {
  it("a usage error is one line naming the command, ending with (see --help), exit 2", () => {
    expect(formatFailure("build", new UsageError("unknown option --x"))).toEqual({
      text: "build: unknown option --x (see --help)\n",
      exitCode: 2,
    });
  });

  it("an ExitError and a RefusalError are one line starting error:, exit 1 (or the ExitError's code); control characters are shown", () => {
    expect(formatFailure("mirror", new RefusalError("index.json: index/expired: expired on 2020-01-01"))).toEqual({
      text: "error: index.json: index/expired: expired on 2020-01-01\n",
      exitCode: 1,
    });
    expect(formatFailure("import", new ExitError("upstream said \u001b]52;c;aGk=\u0007\nfake line"))).toEqual({
      text: "error: upstream said \\e]52;c;aGk=\\x07\\nfake line\n",
      exitCode: 1,
    });
    expect(formatFailure("x", new ExitError("config", 2)).exitCode).toBe(2);
  });

  it("fetch's 'fetch failed' becomes one line with the cause; a NetworkError names the URL", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    const fetchFailed = new TypeError("fetch failed", { cause: refused });
    expect(formatFailure("mirror", fetchFailed)).toEqual({
      text: "error: network error: connection refused (ECONNREFUSED)\n",
      exitCode: 1,
    });
    const wrapped = await withNetworkErrors("http://127.0.0.1:9/x.json", () => Promise.reject(fetchFailed)).catch(
      (e: unknown) => e,
    );
    expect(wrapped).toBeInstanceOf(NetworkError);
    expect(formatFailure("mirror", wrapped)).toEqual({
      text: "error: http://127.0.0.1:9/x.json: connection refused (ECONNREFUSED)\n",
      exitCode: 1,
    });
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(
      formatFailure(
        "import",
        await withNetworkErrors("http://h/", () => Promise.reject(timeout)).catch((e: unknown) => e),
      ).text,
    ).toBe("error: http://h/: timed out\n");
  });

  it("withNetworkErrors passes anything that is not the network through unchanged", async () => {
    const bug = new TypeError("x is not a function");
    await expect(withNetworkErrors("http://h/", () => Promise.reject(bug))).rejects.toBe(bug);
  });

  it("a file that cannot be read is one line naming it", () => {
    let error: unknown;
    try {
      fs.readFileSync("/nonexistent/registry-cli-test.json");
    } catch (e) {
      error = e;
    }
    const f = formatFailure("verify-index", error);
    expect(f.exitCode).toBe(1);
    expect(f.text).toMatch(/^error: \/nonexistent\/registry-cli-test\.json: ENOENT: cannot open .*\n$/);
  });

  it("anything else is a bug: 'internal error' with the stack, exit 3", () => {
    const f = formatFailure("build", new TypeError("cannot read properties of undefined"));
    expect(f.exitCode).toBe(3);
    expect(f.text).toContain(
      "internal error in build (this is a bug in the registry scripts, please open an issue):\nTypeError: cannot read properties of undefined\n    at ",
    );
  });
});

describe("createPrompter", () => {
  it("returns the answer typed", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const p = createPrompter(input, output);
    const answer = p.ask("Name: ");
    input.write("alice\n");
    await expect(answer).resolves.toBe("alice");
    p.close();
  });

  it("end of input (Ctrl+D) ends the question with 'no answer (end of input)' instead of leaving it pending", async () => {
    const input = new PassThrough();
    const p = createPrompter(input, new PassThrough());
    const answer = p.ask("Name: ");
    input.end();
    await expect(answer).rejects.toThrow(new ExitError("no answer (end of input)"));
    await expect(p.ask("Again: ")).rejects.toThrow("no answer (end of input)");
    p.close();
  });
});
