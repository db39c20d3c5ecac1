// What `npm run build` and `npm start` build, wired from the environment: the browse site when site/build.ts
// exists, the mirror files, signed when REGISTRY_INDEX_SIGNING_KEY (hex Ed25519 seed) is set.

import fs from "node:fs";
import path from "node:path";
import { REGISTRY_NAMESPACE } from "./lib/model.ts";
import type { BuildInputs, OutputStage } from "./lib/pipeline.ts";
import { HEALTH_REPORT_PATH } from "./lib/reverify.ts";
import { syncFilesFor } from "./lib/sync-files.ts";

export async function registryBuildInputs(serversDir: string, cwd = process.cwd()): Promise<BuildInputs> {
  const extra = await loadSiteBuilder();
  const outputs = withHealthReport(syncOutputs(path.resolve(cwd, serversDir)), path.resolve(cwd, HEALTH_REPORT_PATH));
  return { serversDir, cwd, sourceDateEpoch: process.env["SOURCE_DATE_EPOCH"], ...(extra ? { extra } : {}), outputs };
}

/** The nightly re-verification's committed report, published beside the other extension files when present. */
function withHealthReport(stage: OutputStage, file: string): OutputStage {
  return {
    ...stage,
    build(model, history) {
      const out = stage.build(model, history);
      if (fs.existsSync(file)) out.files.set(`v0.1/x/${REGISTRY_NAMESPACE}/health.json`, fs.readFileSync(file));
      return out;
    },
  };
}

/** The browse site is built into the same tree when site/build.ts exists (the API alone otherwise). */
async function loadSiteBuilder(): Promise<BuildInputs["extra"]> {
  const file = new URL("../site/build.ts", import.meta.url);
  if (!fs.existsSync(file)) return undefined;
  const mod = (await import(file.href)) as { buildSite: NonNullable<BuildInputs["extra"]> };
  return mod.buildSite;
}

function syncOutputs(serversRoot: string) {
  const key = process.env["REGISTRY_INDEX_SIGNING_KEY"];
  const ttl = Number(process.env["REGISTRY_INDEX_TTL_DAYS"]);
  return syncFilesFor(serversRoot, { ...(key ? { signingKey: key } : {}), ...(Number.isFinite(ttl) && ttl > 0 ? { ttlDays: ttl } : {}) });
}
