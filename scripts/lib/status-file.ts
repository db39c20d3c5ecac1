// status.yaml, the one home for reading and writing it: the strict YAML reader (also used for import.yaml),
// the status a parsed file means, and the bytes a tool writes. load.ts (the build), mirror/feed.ts (the
// change feed), git-history.ts (statusChangedAt), verify/verify-pr.ts (the maintainer route), tools/import.ts
// and tools/status-edit.ts all come here, so a file means the same status to each of them.

import { LineCounter, parseDocument, stringify } from "yaml";
import { diag, type Diagnostic } from "./diagnostics.ts";
import type { Status } from "./model.ts";

export interface StatusInfo {
  readonly status: Status;
  readonly statusMessage?: string;
}

export interface YamlPositions {
  readonly doc: unknown;
  readonly positionOf: (pointer: string) => { line: number; column: number } | undefined;
}

const STATUS_HINT = 'status.yaml looks like:\nstatus: deprecated\nstatusMessage: "Please upgrade to 2.0.0"';

/**
 * Parse a small YAML file strictly (YAML 1.2 core schema, unique keys), keeping positions for messages.
 * `hint` is shown under a syntax error (default: what status.yaml looks like).
 */
export function parseStrictYaml(
  text: string,
  file: string,
  hint = STATUS_HINT,
):
  | { kind: "ok"; doc: unknown; positionOf: YamlPositions["positionOf"] }
  | { kind: "invalid"; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, schema: "core", prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      kind: "invalid",
      diagnostics: document.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const code = e.code === "DUPLICATE_KEY" ? "yaml/duplicate-key" : "yaml/syntax";
        return diag("error", code, file, `${e.message.split("\n")[0]}`, { line: pos.line, column: pos.col, hint });
      }),
    };
  }
  const positionOf = (pointer: string) => {
    const key = pointer.split("/")[1];
    const node = key === undefined || key === "" ? document.contents : document.get(key, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (!range) return undefined;
    const p = lineCounter.linePos(range[0]);
    return { line: p.line, column: p.col };
  };
  return { kind: "ok", doc: document.toJS(), positionOf };
}

/**
 * The status a parsed status.yaml means: its `status` when that is one of the three, else active (the schema
 * check reports the bad value); `statusMessage` when it is a string.
 */
export function statusOfDoc(doc: unknown): StatusInfo {
  const d = doc as { status?: unknown; statusMessage?: unknown } | null;
  const status = d?.status;
  if (status !== "active" && status !== "deprecated" && status !== "deleted") return { status: "active" };
  return typeof d?.statusMessage === "string" ? { status, statusMessage: d.statusMessage } : { status };
}

/**
 * The status a status.yaml's bytes mean, for readers of history and of built trees (no diagnostics): no file
 * or a file that does not parse strictly is active, as the build would have refused it.
 */
export function statusOfBytes(bytes: Uint8Array | undefined): StatusInfo {
  if (!bytes) return { status: "active" };
  const parsed = parseStrictYaml(Buffer.from(bytes).toString("utf8"), "status.yaml");
  return parsed.kind === "ok" ? statusOfDoc(parsed.doc) : { status: "active" };
}

/**
 * The status.yaml text for a status and message. The message is always double-quoted by the YAML library, so
 * any character (a colon, a quote, DEL, C1 controls) reads back as written.
 */
export function formatStatusYaml(status: Status, message?: string): string {
  const line = message === undefined ? "" : `statusMessage: ${stringify(message, STRING_OPTIONS)}`;
  return `status: ${status}\n${line}`;
}

const STRING_OPTIONS = { defaultStringType: "QUOTE_DOUBLE", lineWidth: 0 } as const;
