// npm run lookalikes -- [--seed FILE] [--max-distance N]
// Measures the look-alike rule (scripts/lib/verify/lookalike.ts) on real names: every pair of servers in
// different namespaces among a seed file's entries, and how many of them the rule flags (all false
// positives on upstream's seed data, where no server imitates another). The README's figure comes from it.

import fs from "node:fs";
import { checks, defineCommand, ExitError, runCommand } from "./lib/cli.ts";
import { countLookalikePairs, LOOKALIKE_MAX_DISTANCE } from "./lib/verify/lookalike.ts";
import { visible } from "./lib/terminal.ts";

const command = defineCommand({
  name: "lookalikes",
  usage: "npm run lookalikes -- [--seed FILE] [--max-distance N]",
  description:
    "Counts the pairs of servers in different namespaces that the look-alike rule flags, on a seed file (a JSON list\nof server.json documents): the rule's false-positive rate on real names.",
  options: {
    seed: {
      type: "string",
      value: "FILE",
      default: "scripts/test/fixtures/reference/seeds/seed-2025-09-29.json",
      help: "the seed file",
    },
    "max-distance": {
      type: "string",
      value: "N",
      default: String(LOOKALIKE_MAX_DISTANCE),
      help: "the largest edit distance between folded names that counts",
      check: checks.integer(0, 99),
    },
  },
  example: "npm run lookalikes -- --max-distance 3",
});

runCommand(command, async ({ values }) => {
  let names: string[];
  try {
    const seed = JSON.parse(fs.readFileSync(values.seed, "utf8")) as unknown;
    if (!Array.isArray(seed)) throw new Error("expected a JSON list of server.json documents");
    names = seed.map((s: { name?: unknown }) => s?.name).filter((n): n is string => typeof n === "string");
  } catch (e) {
    throw new ExitError(`${visible(values.seed)}: ${visible((e as Error).message)}`);
  }
  const maxDistance = Number(values["max-distance"]);
  const { servers, pairs, flagged } = countLookalikePairs(names, { maxDistance });
  const rate = pairs === 0 ? 0 : (100 * flagged.length) / pairs;
  for (const f of flagged)
    process.stdout.write(`${visible(f.name)} ~ ${visible(f.resembles)} (distance ${f.distance})\n`);
  process.stdout.write(
    `${servers} servers, ${pairs} pairs in different namespaces, ${flagged.length} flagged at distance ≤ ${maxDistance}: ${rate.toFixed(4)}%\n`,
  );
  return 0;
});
