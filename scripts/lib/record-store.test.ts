// The model's records keep bytes, not parsed documents: `server` is the document the bytes hold (the same
// value every time, also after the cache let it go), `bytes` the exact committed bytes, and documents larger
// than a slab are kept whole.

import { describe, expect, it } from "vitest";
import { ByteArena, storedRecord } from "./record-store.ts";
import type { OfficialMeta } from "./model.ts";

const official: OfficialMeta = {
  status: "active",
  statusChangedAt: "2025-01-01T00:00:00Z",
  publishedAt: "2025-01-01T00:00:00Z",
  updatedAt: "2025-01-01T00:00:00Z",
  isLatest: true,
};

const docOf = (i: number, pad = "") => ({ name: `io.github.a/s${i}`, version: "1.0.0", description: `d${i}${pad}` });
const bytesOf = (doc: object) => Buffer.from(JSON.stringify(doc, null, 2) + "\n");

describe("stored records", () => {
  it("give back the exact bytes and their document, after the cache dropped it too", () => {
    const arena = new ByteArena();
    const records = Array.from({ length: 5000 }, (_, i) =>
      storedRecord(arena, {
        name: `io.github.a/s${i}`,
        version: "1.0.0",
        file: `f${i}`,
        bytes: bytesOf(docOf(i)),
        official,
      }),
    );
    for (const [i, r] of records.entries()) {
      expect(Buffer.from(r.bytes)).toEqual(bytesOf(docOf(i)));
      expect(r.server).toEqual(docOf(i));
    }
    // Record 0 was evicted long ago: parsed again, the same value.
    expect(records[0]!.server).toEqual(docOf(0));
    expect(records[0]!.server).not.toEqual(docOf(1));
    expect(JSON.parse(JSON.stringify(records[7]))).toMatchObject({ name: "io.github.a/s7", server: docOf(7) });
  });

  it("keeps a document larger than a slab whole, and the next one intact", () => {
    const arena = new ByteArena();
    const big = docOf(1, "x".repeat(5 << 20));
    const a = storedRecord(arena, { name: "a", version: "1", file: "a", bytes: bytesOf(big), official });
    const b = storedRecord(arena, { name: "b", version: "1", file: "b", bytes: bytesOf(docOf(2)), official });
    expect(a.server).toEqual(big);
    expect(b.server).toEqual(docOf(2));
    expect(a.bytes.byteLength).toBe(bytesOf(big).byteLength);
  });
});
