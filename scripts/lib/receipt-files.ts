// The committed receipts (receipt.ts) read into the model, for the build to publish and the site to show.
// Each is read only when it is a regular file (no symlink) within the size cap, parses strictly, names its
// own path's version and is about the exact committed bytes (its blob id); any other receipt is left out with
// a note, never published half-read. A missing receipt is normal (published before receipts, or imported).

import fs from "node:fs";
import path from "node:path";
import type { RegistryModel, VersionRecord } from "./model.ts";
import { MAX_RECEIPT_BYTES, parseReceipt } from "./receipt.ts";
import { visible } from "./terminal.ts";

export function attachReceipts(model: RegistryModel, receiptsDir: string): { model: RegistryModel; notes: string[] } {
  const notes: string[] = [];
  if (receiptsDir === "" || !fs.statSync(receiptsDir, { throwIfNoEntry: false })?.isDirectory())
    return { model, notes };
  const versions = model.versions.map((r): VersionRecord => {
    const file = path.join(receiptsDir, ...r.name.split("/"), `${r.version}.json`);
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (stat === undefined) return r;
    const shown = visible(path.relative(path.dirname(receiptsDir), file).split(path.sep).join("/"));
    if (!stat.isFile() || stat.size > MAX_RECEIPT_BYTES) {
      notes.push(`${shown}: not a regular file of at most ${MAX_RECEIPT_BYTES} bytes; not published`);
      return r;
    }
    const parsed = parseReceipt(fs.readFileSync(file, "utf8"), r);
    if (parsed.kind === "invalid") {
      notes.push(`${shown}: ${visible(parsed.reason)}; not published`);
      return r;
    }
    if (parsed.receipt.blob !== r.blob) {
      notes.push(`${shown}: about blob ${visible(parsed.receipt.blob)}, not the committed ${r.file}; not published`);
      return r;
    }
    return { ...r, receipt: parsed.receipt };
  });
  return { model: { ...model, versions }, notes };
}
