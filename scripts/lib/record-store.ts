// Where the model keeps each version's document: its committed bytes packed into large shared slabs, parsed
// again when a stage asks for it, with the last few thousand parsed documents cached. The model then holds
// about one copy of the bytes per version (no parsed object graph, no Buffer per file), so a build's memory
// follows the servers (the lists, the site's pages) plus a bounded working set, not every version's objects.
//
// A record's `server` is JSON.parse of its bytes: the strict reader (json-source.ts) gives that same value
// for every file it accepts without a finding, and a build only runs on such files. Stages read the records
// in (name, version) order, each touching a record a few times in a row, so the cache catches the repeats.

import type { OfficialMeta, ServerJson, VersionRecord } from "./model.ts";

const SLAB_BYTES = 4 << 20;
/** Parsed documents kept: a working set of a few MB, whatever the size of the registry. */
const CACHE_ENTRIES = 2048;

/** Packs byte strings into shared slabs; each stored range is read back as a view, never copied again. */
export class ByteArena {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;

  /** Copy `bytes` in; returns where they are. */
  add(bytes: Uint8Array): { slab: Buffer; start: number; end: number } {
    if (bytes.byteLength > SLAB_BYTES) {
      const own = Buffer.from(bytes);
      return { slab: own, start: 0, end: own.byteLength };
    }
    if (this.used + bytes.byteLength > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    this.slab.set(bytes, start);
    this.used += bytes.byteLength;
    return { slab: this.slab, start, end: this.used };
  }
}

/** The most recently parsed documents, oldest evicted first. */
class DocumentCache {
  private readonly docs = new Map<object, ServerJson>();

  get(key: object, parse: () => ServerJson): ServerJson {
    const hit = this.docs.get(key);
    if (hit !== undefined) return hit;
    const doc = parse();
    this.docs.set(key, doc);
    if (this.docs.size > CACHE_ENTRIES) this.docs.delete(this.docs.keys().next().value!);
    return doc;
  }
}

const cache = new DocumentCache();

/** A VersionRecord whose document lives in an arena: the same fields, read on demand. */
class StoredRecord implements VersionRecord {
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly official: OfficialMeta;
  private readonly slab: Buffer;
  private readonly start: number;
  private readonly end: number;

  constructor(
    fields: { name: string; version: string; file: string; official: OfficialMeta },
    at: { slab: Buffer; start: number; end: number },
  ) {
    this.name = fields.name;
    this.version = fields.version;
    this.file = fields.file;
    this.official = fields.official;
    this.slab = at.slab;
    this.start = at.start;
    this.end = at.end;
  }

  get bytes(): Uint8Array {
    return this.slab.subarray(this.start, this.end);
  }

  get server(): ServerJson {
    return cache.get(this, () => JSON.parse(this.slab.toString("utf8", this.start, this.end)) as ServerJson);
  }

  /** Enumerable like a plain record's fields, for code that spreads or serialises a record. */
  toJSON(): VersionRecord {
    return {
      name: this.name,
      version: this.version,
      file: this.file,
      server: this.server,
      bytes: this.bytes,
      official: this.official,
    };
  }
}

/** A record of the model, its bytes copied into `arena` and its document parsed again when asked for. */
export function storedRecord(
  arena: ByteArena,
  fields: { name: string; version: string; file: string; bytes: Uint8Array; official: OfficialMeta },
): VersionRecord {
  return new StoredRecord(fields, arena.add(fields.bytes));
}
