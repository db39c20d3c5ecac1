// What a pull request changes in the published API: the static trees built from the base and from the
// PR head, compared route by route. Each route appears once, as the URL a client of the official API
// calls (`/v0.1/servers/io.github.a%2Fb/versions/1.0.0`); its file twins (`.json`, `.html`,
// `/index.html`) and the identical `/v0` copy are folded into it. A changed route carries a compact JSON
// diff: arrays of server responses are matched by `name@version`, so inserting one server into the list
// reads as one added item, not as every later item changing.
//
// Pure: two trees in, a sorted list of changes out.

import { REGISTRY_NAMESPACE, compareCodeUnits } from "../model.ts";

export type Tree = ReadonlyMap<string, string | Uint8Array>;

export interface ValueChange {
  /** Readable location: `servers[io.github.a/b@1.0.0]._meta["io.modelcontextprotocol.registry/official"].isLatest`. */
  readonly at: string;
  readonly op: "add" | "remove" | "replace";
  readonly before?: unknown;
  readonly after?: unknown;
  /** Set instead of before/after when the value is an object or array too long to show: its JSON size. */
  readonly bytes?: number;
}

export interface RouteChange {
  /** The URL path a client requests, `{name}` percent-encoded as the official API expects. */
  readonly route: string;
  readonly kind: "added" | "removed" | "changed";
  /** For `changed`: what differs, at most `maxChanges`; `truncated` counts the rest. */
  readonly changes?: readonly ValueChange[];
  readonly truncated?: number;
}

export interface ApiDiffOptions {
  /** The API version whose routes are compared; the other prefixes hold the same bodies. */
  readonly prefix?: string;
  /** Routes (after the prefix) left out: build facts that change on every commit. */
  readonly ignore?: (route: string) => boolean;
  readonly maxChanges?: number;
  /** Longest string shown in before/after; longer ones are cut with `…`. */
  readonly maxStringLength?: number;
}

const BUILD_FACTS = new Set(["health", "ping", "version", `x/${REGISTRY_NAMESPACE}/meta.json`]);
const ignoreBuildFacts = (route: string): boolean => BUILD_FACTS.has(route);

/** `servers/io.github.a/b/versions/1.0.0.json` → `servers/io.github.a/b/versions/1.0.0` (one route, several files). */
export function routeOf(file: string): string {
  if (file.endsWith("/index.html")) return file.slice(0, -"/index.html".length);
  if (file.endsWith(".html")) return file.slice(0, -".html".length);
  if (file.endsWith(".json") && !file.startsWith("x/")) return file.slice(0, -".json".length);
  return file;
}

/** The URL a client calls for a route: the two name segments after `servers/` joined with %2F. */
export function routeUrl(prefix: string, route: string): string {
  const m = /^servers\/([^/]+)\/([^/]+)(\/.*)?$/.exec(route);
  if (!m) return `/${prefix}/${route}`;
  return `/${prefix}/servers/${encodeURIComponent(m[1] as string)}%2F${encodeURIComponent(m[2] as string)}${m[3] ?? ""}`;
}

function routes(tree: Tree, prefix: string, ignore: (route: string) => boolean): Map<string, string | Uint8Array> {
  const out = new Map<string, string | Uint8Array>();
  const head = `${prefix}/`;
  for (const [file, body] of tree) {
    if (!file.startsWith(head)) continue;
    const route = routeOf(file.slice(head.length));
    if (ignore(route)) continue;
    // Twins hold the same bytes; the extensionless or .json file wins when they do not.
    if (!out.has(route) || file.endsWith(".json") || !/\.html$/.test(file)) out.set(route, body);
  }
  return out;
}

const text = (body: string | Uint8Array) => (typeof body === "string" ? body : Buffer.from(body).toString("utf8"));

export function diffApiTrees(base: Tree, head: Tree, options: ApiDiffOptions = {}): RouteChange[] {
  const prefix = options.prefix ?? "v0.1";
  const ignore = options.ignore ?? ignoreBuildFacts;
  const maxChanges = options.maxChanges ?? 20;
  const before = routes(base, prefix, ignore);
  const after = routes(head, prefix, ignore);
  const out: RouteChange[] = [];
  for (const route of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(route);
    const b = after.get(route);
    const url = routeUrl(prefix, route);
    if (a === undefined) out.push({ route: url, kind: "added" });
    else if (b === undefined) out.push({ route: url, kind: "removed" });
    else if (text(a) !== text(b)) {
      const changes = diffJsonText(text(a), text(b), options.maxStringLength ?? 120);
      out.push({
        route: url,
        kind: "changed",
        changes: changes.slice(0, maxChanges),
        ...(changes.length > maxChanges ? { truncated: changes.length - maxChanges } : {}),
      });
    }
  }
  return out.sort((x, y) => compareCodeUnits(x.route, y.route));
}

function diffJsonText(a: string, b: string, maxLen: number): ValueChange[] {
  let x: unknown;
  let y: unknown;
  try {
    x = JSON.parse(a);
    y = JSON.parse(b);
  } catch {
    return [{ at: "(body)", op: "replace", before: `${a.length} bytes`, after: `${b.length} bytes` }];
  }
  const out: ValueChange[] = [];
  diffValues(x, y, "", out, maxLen);
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v != null && !Array.isArray(v);

function keyPart(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `name@version` of a server response or server.json, the key arrays of servers are matched by. */
function itemKey(v: unknown): string | undefined {
  const server = isObj(v) && isObj(v.server) ? v.server : v;
  if (isObj(server) && typeof server.name === "string" && typeof server.version === "string")
    return `${server.name}@${server.version}`;
  return undefined;
}

function shorten(v: unknown, maxLen: number): unknown {
  return typeof v === "string" && v.length > maxLen ? v.slice(0, maxLen - 1) + "…" : v;
}

/** `{ after: v }` (or before), or `{ bytes }` when v is a long object or array. */
function shown(
  side: "before" | "after",
  v: unknown,
  maxLen: number,
): { before?: unknown; after?: unknown; bytes?: number } {
  if (v != null && typeof v === "object") {
    const size = JSON.stringify(v).length;
    if (size > maxLen) return { bytes: size };
  }
  return { [side]: shorten(v, maxLen) };
}

function diffValues(a: unknown, b: unknown, at: string, out: ValueChange[], maxLen: number): void {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareCodeUnits);
    for (const k of keys) {
      const here = at === "" ? keyPart(k).replace(/^\./, "") : at + keyPart(k);
      if (!(k in a)) out.push({ at: here, op: "add", ...shown("after", b[k], maxLen) });
      else if (!(k in b)) out.push({ at: here, op: "remove", ...shown("before", a[k], maxLen) });
      else diffValues(a[k], b[k], here, out, maxLen);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const keysA = a.map(itemKey);
    const keysB = b.map(itemKey);
    const keyed =
      keysA.every((k) => k !== undefined) &&
      keysB.every((k) => k !== undefined) &&
      new Set(keysA).size === a.length &&
      new Set(keysB).size === b.length;
    if (keyed) {
      const mapA = new Map(a.map((v, i) => [keysA[i] as string, v]));
      const mapB = new Map(b.map((v, i) => [keysB[i] as string, v]));
      for (const k of [...new Set([...keysA, ...keysB] as string[])].sort(compareCodeUnits)) {
        const here = `${at}[${k}]`;
        if (!mapA.has(k)) out.push({ at: here, op: "add", ...shown("after", mapB.get(k), maxLen) });
        else if (!mapB.has(k)) out.push({ at: here, op: "remove", ...shown("before", mapA.get(k), maxLen) });
        else diffValues(mapA.get(k), mapB.get(k), here, out, maxLen);
      }
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const here = `${at}[${i}]`;
      if (i >= a.length) out.push({ at: here, op: "add", ...shown("after", b[i], maxLen) });
      else if (i >= b.length) out.push({ at: here, op: "remove", ...shown("before", a[i], maxLen) });
      else diffValues(a[i], b[i], here, out, maxLen);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b))
    out.push({ at: at === "" ? "(body)" : at, op: "replace", before: shorten(a, maxLen), after: shorten(b, maxLen) });
}

export interface ApiDiffSummary {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export function summarizeApiDiff(changes: readonly RouteChange[]): ApiDiffSummary {
  return {
    added: changes.filter((c) => c.kind === "added").length,
    changed: changes.filter((c) => c.kind === "changed").length,
    removed: changes.filter((c) => c.kind === "removed").length,
  };
}
