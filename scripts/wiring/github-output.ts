// Step outputs for the workflow that runs a command ($GITHUB_OUTPUT, one `name=value` line each), written in
// one place. A value holding a newline could forge another output (`merge=true`), so it is refused.

import fs from "node:fs";

export function writeStepOutputs(env: NodeJS.ProcessEnv, pairs: Readonly<Record<string, string>>): void {
  const file = env["GITHUB_OUTPUT"];
  if (!file) return;
  for (const [name, value] of Object.entries(pairs))
    if (/[\r\n]/.test(name + value) || name.includes("="))
      throw new Error(`internal: step output ${JSON.stringify(name)} would span lines`);
  fs.appendFileSync(
    file,
    Object.entries(pairs)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
}
