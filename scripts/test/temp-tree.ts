// Temporary servers trees for tests: real folders and files, removed when the test ends.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";

/** The in-repo copies of the official registry's examples and seeds (see its README.md). */
export const REFERENCE = path.resolve(fileURLToDir(import.meta.url), "fixtures/reference");

function fileURLToDir(url: string): string {
  return path.dirname(new URL(url).pathname);
}

export function tempDir(prefix = "registry-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write files (path → content; objects are written as pretty JSON) under a new temp dir; returns it. */
export function makeTree(files: Record<string, string | Uint8Array | object>, dir = tempDir()): string {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const body =
      typeof content === "string" || content instanceof Uint8Array ? content : JSON.stringify(content, null, 2) + "\n";
    fs.writeFileSync(abs, body);
  }
  return dir;
}

const SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/** A minimal valid server.json for `name` and `version`, with overrides. */
export function serverJson(
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { $schema: SCHEMA_URL, name, description: `Test server ${name}.`, version, ...extra };
}

/** `servers/<name>/<version>/server.json` → document, for makeTree. */
export function versionFile(
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): Record<string, object> {
  return { [`servers/${name}/${version}/server.json`]: serverJson(name, version, extra) };
}
