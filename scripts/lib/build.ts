// The static API: every response the official read API would give for a request without query
// parameters, as files, under /v0 and /v0.1. Pure: model in, Map<path, bytes> out, sorted and deterministic.
//
// URL scheme (see README "Static API" and schemas/static-api.openapi.yaml). For each prefix p in v0, v0.1:
//   p/servers              → p/servers.html (GitHub Pages pretty URL) and p/servers/index.html (directory index
//                            after the 301 that nginx and python's http.server send)
//   p/servers/{name}/versions          → …/versions/index.html, after the 301 every host sends for a folder
//   p/servers/{name}/versions/{v}      → the extensionless file
//   p/servers/{name}/versions/latest   → the extensionless file
// and under v0.1 only, a `.json` twin of each (servers.json, versions.json, {v}.json, latest.json), served as
// application/json everywhere.
// `{name}` arrives as `ns%2Fserver`; every static host we target decodes %2F once, which lands in the nested
// folders ns/server/. Query strings are ignored by static hosts, so the list never carries nextCursor.

import type { LoadedVersion } from "./load.ts";
import { newestFirst, pickLatest } from "./versions.ts";
import type { History } from "./git-history.ts";
import { mergeImportedTimes } from "./import-record.ts";
import { stringifyJson } from "./safe-json.ts";
import {
  REGISTRY_NAMESPACE,
  compareCodeUnits,
  documentJson,
  servedDocument,
  type RegistryModel,
  type VersionRecord,
  API_PREFIXES,
  receiptRoute,
} from "./model.ts";
import { serializeReceipt } from "./receipt.ts";

/** Where the `.json` twins live. */
const TWIN_PREFIX = "v0.1";

/** Turn validated versions and their history into the model every output is built from. */
export function buildModel(versions: readonly LoadedVersion[], history: History): RegistryModel {
  const byName = new Map<string, LoadedVersion[]>();
  for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
  const records: VersionRecord[] = [];
  for (const [, list] of byName) {
    const timed = list.map((v) => ({
      v,
      times: mergeImportedTimes(history.timesOf(`${v.namespace}/${v.serverPart}/${v.version}`), v.imported),
    }));
    const latest = pickLatest(timed, (t) => ({
      version: t.v.version,
      publishedAt: t.times.publishedAt,
      status: t.v.status.status,
    }));
    for (const t of timed) {
      const { status, statusMessage } = t.v.status;
      records.push({
        name: t.v.name,
        version: t.v.version,
        file: t.v.file,
        json: t.v.json ?? documentJson(t.v.doc),
        blob: t.v.blob,
        official: {
          status,
          ...(statusMessage === undefined ? {} : { statusMessage }),
          statusChangedAt: t.times.statusChangedAt,
          publishedAt: t.times.publishedAt,
          updatedAt: t.times.updatedAt,
          isLatest: t === latest,
        },
      });
    }
  }
  records.sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version));
  return { versions: records, info: history.info };
}

export type ApiTree = Map<string, string | Uint8Array>;

const json = (value: unknown) => stringifyJson(value);

/** Versions of one server as `/versions` lists them: newest publishedAt first (upstream), then version. */
const byPublishedDesc = newestFirst((r: VersionRecord) => ({
  version: r.version,
  publishedAt: r.official.publishedAt,
}));

/** The static list: the latest non-deleted version of every server, like `?version=latest`. */
export function listedRecords(model: RegistryModel): VersionRecord[] {
  return model.versions.filter((r) => r.official.isLatest && r.official.status !== "deleted");
}

/** The whole API tree in memory, sorted by path (for the local server, tests and `build --check`). */
export function buildApiTree(model: RegistryModel): ApiTree {
  const files: [string, string][] = [];
  emitApiTree(model, (rel, body) => files.push([rel, body]));
  files.sort((a, b) => compareCodeUnits(a[0], b[0]));
  return new Map(files);
}

/**
 * Every API file, handed to `put` as it is made, one server at a time: only the top list's entries outlive
 * their server, so a build that writes as it goes holds one server's files at a time, not the registry.
 * `served` sees each version's served document (the body of its versions/<v>.json) once, in model order.
 */
export function emitApiTree(
  model: RegistryModel,
  put: (rel: string, body: string) => void,
  served?: (record: VersionRecord, body: string) => void,
): void {
  const steps = emitApiTreeSteps(model, put, served);
  while (!steps.next().done);
}

/** emitApiTree, pausing after each server (the pipeline waits there while the bundle has too much in flight). */
export function* emitApiTreeSteps(
  model: RegistryModel,
  put: (rel: string, body: string) => void,
  served?: (record: VersionRecord, body: string) => void,
): Generator<void, void, void> {
  /** An official route: under /v0 and /v0.1. */
  const emit = (rel: string, body: string) => {
    for (const p of API_PREFIXES) put(`${p}/${rel}`, body);
  };
  /** A `.json` twin: under /v0.1 only, the frozen API; a client that needs application/json is new code. */
  const twin = (rel: string, body: string) => put(`${TWIN_PREFIX}/${rel}.json`, body);

  // Each version's response is serialised once and reused in its server's lists and as `latest`: the bytes
  // are the same as stringifyJson of the whole list, whose elements serialise exactly like standalone values.
  const listJson = (bodies: readonly string[]) =>
    `{"servers":[${bodies.join(",")}],"metadata":{"count":${bodies.length}}}`;
  const listedBodies: string[] = [];

  let start = 0;
  const all = model.versions; // sorted by (name, version): each server's versions are one run
  while (start < all.length) {
    if (start > 0) yield;
    let end = start + 1;
    while (end < all.length && all[end]!.name === all[start]!.name) end++;
    const records = all.slice(start, end);
    start = end;
    const base = `servers/${records[0]!.name}/versions`;
    const bodies = new Map<VersionRecord, string>();
    for (const r of records) {
      const body = servedDocument(r);
      bodies.set(r, body);
      served?.(r, body);
      emit(`${base}/${r.version}`, body);
      twin(`${base}/${r.version}`, body);
    }
    const live = records.filter((r) => r.official.status !== "deleted").sort(byPublishedDesc);
    if (live.length === 0) continue; // upstream answers 404 for a server whose versions are all deleted
    // No versions.html: GitHub Pages, like nginx and python, answers `…/versions` with a 301 to `…/versions/`
    // and its index.html. One copy fewer of every version keeps 100k versions inside Pages' 1 GB.
    const versions = listJson(live.map((r) => bodies.get(r)!));
    twin(base, versions);
    emit(`${base}/index.html`, versions);
    const latest = live.find((r) => r.official.isLatest);
    if (latest) {
      const body = bodies.get(latest)!;
      emit(`${base}/latest`, body);
      twin(`${base}/latest`, body);
      listedBodies.push(body);
    }
  }

  // The static list: the latest non-deleted version of every server, like `?version=latest`, by name.
  const list = listJson(listedBodies);
  twin("servers", list);
  emit("servers.html", list);
  emit("servers/index.html", list);

  const { info } = model;
  const health = json({ status: "ok" });
  const version = json({ version: "static", git_commit: info.gitCommit ?? "unknown", build_time: info.generatedAt });
  for (const [route, body] of [
    ["health", health],
    ["ping", json({ pong: true })],
    ["version", version],
  ] as const) {
    emit(route, body);
    twin(route, body);
  }
  const counts = {
    servers: new Set(all.map((r) => r.name)).size,
    versions: all.length,
    listed: listedBodies.length,
    deleted: all.filter((r) => r.official.status === "deleted").length,
  };
  emit(
    `x/${REGISTRY_NAMESPACE}/meta.json`,
    json({ generatedAt: info.generatedAt, gitCommit: info.gitCommit, serial: info.serial, counts }),
  );
  // Each verification receipt at the path its version's `_meta` links (model.ts receiptRoute).
  for (const r of all) if (r.receipt) put(receiptRoute(r.name, r.version), serializeReceipt(r.receipt));
}
