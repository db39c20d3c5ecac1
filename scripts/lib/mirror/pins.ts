// The pins of the signed index (signed-index.ts describes the format): which group pins each published file,
// the one hash function of a pin, and the recorder that turns every published file into the index's
// `servers` and `files`. A module of its own, importing nothing heavy, because the tree writer's thread
// (write-thread.ts) runs the same recorder over the bytes it writes, so that the build's thread does not hash.

import { REGISTRY_NAMESPACE, compareCodeUnits } from "../model.ts";
import { sha256Hex } from "../sha256.ts";

export const INDEX_PATH = `v0.1/x/${REGISTRY_NAMESPACE}/index.json`;
export const KEYS_PATH = `v0.1/x/${REGISTRY_NAMESPACE}/keys.json`;

/** A file's pin: sha256Hex of its bytes. */
export { sha256Hex };

/** The server whose group pins `p` (`v0/servers/<ns>/<srv>/…`, `v0.1/servers/<ns>/<srv>/…`), if any. */
export function pinGroupOf(p: string): string | undefined {
  return /^v0(?:\.1)?\/servers\/([^/]+\/[^/]+)\//.exec(p)?.[1];
}

/** sha256 of a group's manifest: "<sha256>  <path>\n" per file, sorted by path. */
export function groupDigest(files: Iterable<readonly [path: string, sha256: string]>): string {
  const lines = [...files].sort((a, b) => compareCodeUnits(a[0], b[0])).map(([p, sha]) => `${sha}  ${p}\n`);
  return sha256Hex(lines.join(""));
}

export interface Pins {
  readonly servers: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
}

export interface PinRecorder {
  /** Every published file, as it is made. index.json and keys.json are ignored (they cannot pin themselves). */
  record(path: string, body: string | Uint8Array): void;
  /** The same, for a file whose sha256Hex is known already (the writer thread hashes the bytes it writes). */
  pin(path: string, sha256: string): void;
  /** The pins so far (closes the current server's group). */
  pins(): Pins;
}

/**
 * Hash files as they are made. A server's files arrive together (the build and the mirror emit one server at
 * a time), so only one group is open at a time and memory stays at one digest per server; a server whose
 * files come back after another server's is a bug, and says so. `hash` is sha256 (tests count its calls).
 */
export function createPinRecorder(hash: (body: string | Uint8Array) => string = sha256Hex): PinRecorder {
  const servers = new Map<string, string>();
  const files = new Map<string, string>();
  let open: { name: string; files: [string, string][] } | undefined;
  const close = () => {
    if (open) servers.set(open.name, groupDigest(open.files));
    open = undefined;
  };
  // The build hands the same string to several paths in a row (a version under v0/, v0.1/ and as its .json
  // twin; a list, latest): each run is hashed once. Only the last body is kept, compared by ===, which is
  // instant for the same string (a Map of bodies cost more than the hashing it saved: it hashes every string
  // to look it up). Only strings: they cannot change after they are recorded.
  let lastBody: string | undefined;
  let lastSha = "";
  const digestOf = (body: string | Uint8Array) => {
    if (typeof body !== "string") return hash(body);
    if (body !== lastBody) {
      lastSha = hash(body);
      lastBody = body;
    }
    return lastSha;
  };
  const pin = (p: string, sha: string) => {
    const group = pinGroupOf(p);
    if (group === undefined) {
      if (files.has(p)) throw new Error(`internal: ${p} was published twice`);
      files.set(p, sha);
      return;
    }
    if (open?.name !== group) {
      close();
      if (servers.has(group))
        throw new Error(`internal: the files of ${group} were not emitted together (${p} came after another server's)`);
      open = { name: group, files: [] };
    }
    open.files.push([p, sha]);
  };
  return {
    record(p, body) {
      if (p !== INDEX_PATH && p !== KEYS_PATH) pin(p, digestOf(body));
    },
    pin(p, sha) {
      if (p !== INDEX_PATH && p !== KEYS_PATH) pin(p, sha);
    },
    pins() {
      close();
      return { servers: sortedRecord(servers), files: sortedRecord(files) };
    },
  };
}

function sortedRecord(m: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort(compareCodeUnits)) out[k] = m.get(k)!;
  return out;
}
