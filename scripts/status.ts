// npm run status -- --status deprecated|deleted|active [--message TEXT] <name> [<version> | --all-versions] [--servers DIR]
// Writes (or, for active, removes) the status.yaml files of a status-change pull request.

import fs from "node:fs";
import path from "node:path";
import { defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { planStatusChange, type PresentVersion } from "./lib/tools/status-edit.ts";

const command = defineCommand({
  name: "status",
  usage:
    "npm run status -- --status deprecated|deleted|active [--message TEXT] <name> [<version> | --all-versions] [--servers DIR]",
  description:
    "Writes (or, for active, removes) the status.yaml files of a status-change pull request. server.json files are\nnever touched: a deletion is a status, and the data stays.",
  options: {
    status: { type: "string", value: "STATUS", help: "the new status: deprecated, deleted or active (required)" },
    message: {
      type: "string",
      value: "TEXT",
      help: "the status message users see (1 to 500 characters; not with active)",
    },
    "all-versions": { type: "boolean", help: "change every version of the server instead of one" },
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree" },
  },
  positionals: { name: "<name> [<version>]", min: 1, max: 2 },
  example:
    'npm run status -- --status deprecated --message "Use io.github.alice/weather2" io.github.alice/weather 1.0.0',
});

runCommand(command, async ({ values, positionals }) => {
  if (values.status === undefined) throw new UsageError("--status deprecated|deleted|active is required");
  const [name, version] = positionals as [string, string | undefined];
  const root = path.resolve(values.servers);
  const plan = planStatusChange(
    {
      status: values.status,
      name,
      allVersions: values["all-versions"],
      ...(values.message === undefined ? {} : { message: values.message }),
      ...(version === undefined ? {} : { version }),
    },
    readVersions(root, name),
    values.servers.replace(/\/+$/, ""),
  );
  if (plan.kind === "invalid") throw plan.usage ? new UsageError(plan.reason) : new ExitError(plan.reason);
  const base = path.dirname(root);
  for (const edit of plan.edits) {
    const abs = path.join(base, edit.file);
    if (edit.kind === "write") {
      fs.writeFileSync(abs, edit.content);
      process.stdout.write(`wrote ${edit.file}\n`);
    } else if (fs.existsSync(abs)) {
      fs.rmSync(abs);
      process.stdout.write(`removed ${edit.file}\n`);
    }
  }
  for (const f of plan.unchanged) process.stdout.write(`unchanged ${f}\n`);
  for (const line of plan.advice) process.stdout.write(line + "\n");
  return 0;
});

/** Version folders of `name` that hold a server.json (symlinks are not followed). */
function readVersions(root: string, name: string): PresentVersion[] {
  if (name.includes("..") || path.isAbsolute(name)) return [];
  const dir = path.join(root, name);
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  const out: PresentVersion[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !fs.lstatSync(path.join(dir, e.name, "server.json"), { throwIfNoEntry: false })?.isFile())
      continue;
    const statusFile = path.join(dir, e.name, "status.yaml");
    const stat = fs.lstatSync(statusFile, { throwIfNoEntry: false });
    out.push({ version: e.name, ...(stat?.isFile() ? { statusText: fs.readFileSync(statusFile, "utf8") } : {}) });
  }
  return out.sort((a, b) => (a.version < b.version ? -1 : 1));
}
