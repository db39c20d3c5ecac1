// A registry repository whose history publishes, deprecates, deletes and restores versions, for the feed,
// bundle, index and mirror tests. Each step is one commit (a merge to main, as far as the feed can tell).

import { CURRENT_SCHEMA_URL } from "../lib/model.ts";
import { createTempRepo, type TempRepo } from "./temp-git.ts";

export const serverJson = (name: string, version: string, description = "A test server.") =>
  JSON.stringify({ $schema: CURRENT_SCHEMA_URL, name, description, version }, null, 2) + "\n";
const dir = (name: string, version: string) => `servers/${name}/${version}`;
export const A = "io.github.aa/alpha";
export const B = "io.github.bb/beta";

export type Step = (repo: TempRepo) => void;
export const STEPS: readonly [string, Step][] = [
  ["publish alpha 1.0.0", (r) => r.write({ [`${dir(A, "1.0.0")}/server.json`]: serverJson(A, "1.0.0") })],
  [
    "publish alpha 1.1.0 and beta 0.1.0",
    (r) =>
      r.write({
        [`${dir(A, "1.1.0")}/server.json`]: serverJson(A, "1.1.0"),
        [`${dir(B, "0.1.0")}/server.json`]: serverJson(B, "0.1.0"),
      }),
  ],
  [
    "deprecate alpha 1.1.0",
    (r) => r.write({ [`${dir(A, "1.1.0")}/status.yaml`]: 'status: deprecated\nstatusMessage: "use 1.0.0"\n' }),
  ],
  [
    "delete alpha 1.1.0",
    (r) => r.write({ [`${dir(A, "1.1.0")}/status.yaml`]: 'status: deleted\nstatusMessage: "broken"\n' }),
  ],
  ["restore alpha 1.1.0", (r) => r.write({ [`${dir(A, "1.1.0")}/status.yaml`]: null })],
];

export function registryRepo(steps = STEPS.length): TempRepo {
  const repo = createTempRepo();
  repo.write({ "README.md": "test registry\n" });
  repo.commit("init", 1_750_000_000);
  STEPS.slice(0, steps).forEach(([message, step], i) => {
    step(repo);
    repo.commit(message, 1_750_000_000 + (i + 1) * 3600);
  });
  return repo;
}

export function applyStep(repo: TempRepo, index: number): void {
  const [message, step] = STEPS[index]!;
  step(repo);
  repo.commit(message, 1_750_000_000 + (index + 1) * 3600);
}
