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
import { compareVersions, pickLatest } from "./versions.ts";
import type { History } from "./git-history.ts";
import { mergeImportedTimes } from "./provenance.ts";
import {
  REGISTRY_NAMESPACE,
  compareCodeUnits,
  toServerResponse,
  type RegistryModel,
  type ServerJson,
  type VersionRecord,
} from "./model.ts";

export const API_PREFIXES = ["v0", "v0.1"] as const;
/** Where the `.json` twins live. */
export const TWIN_PREFIX = "v0.1";

/** Turn validated versions and their history into the model every output is built from. */
export function buildModel(versions: readonly LoadedVersion[], history: History): RegistryModel {
  const byName = new Map<string, LoadedVersion[]>();
  for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
  const records: VersionRecord[] = [];
  for (const [, list] of byName) {
    const timed = list.map((v) => ({ v, times: mergeImportedTimes(history.timesOf(`${v.namespace}/${v.serverPart}/${v.version}`), v.imported) }));
    const latest = pickLatest(timed, (t) => ({ version: t.v.version, publishedAt: t.times.publishedAt, status: t.v.status.status }));
    for (const t of timed) {
      const { status, statusMessage } = t.v.status;
      records.push({
        name: t.v.name,
        version: t.v.version,
        file: t.v.file,
        server: t.v.doc as ServerJson,
        bytes: t.v.bytes,
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

const json = (value: unknown) => JSON.stringify(value);

/** Versions of one server as `/versions` lists them: newest publishedAt first (upstream), then version. */
function byPublishedDesc(a: VersionRecord, b: VersionRecord): number {
  return compareCodeUnits(b.official.publishedAt, a.official.publishedAt) || -compareVersions(a.version, b.version, a.official.publishedAt, b.official.publishedAt) || compareCodeUnits(b.version, a.version);
}

/** The static list: the latest non-deleted version of every server, like `?version=latest`. */
export function listedRecords(model: RegistryModel): VersionRecord[] {
  return model.versions.filter((r) => r.official.isLatest && r.official.status !== "deleted");
}

export function buildApiTree(model: RegistryModel): ApiTree {
  const files: [string, string][] = [];
  /** An official route: under /v0 and /v0.1. */
  const emit = (rel: string, body: string) => {
    for (const p of API_PREFIXES) files.push([`${p}/${rel}`, body]);
  };
  /** A `.json` twin: under /v0.1 only, the frozen API; a client that needs application/json is new code. */
  const twin = (rel: string, body: string) => files.push([`${TWIN_PREFIX}/${rel}.json`, body]);

  // Every version's response is serialised once and reused in the lists and as `latest`: the bytes are the
  // same as JSON.stringify of the whole list, whose array elements serialise exactly like standalone values.
  const bodies = new Map<VersionRecord, string>();
  const responseJson = (r: VersionRecord): string => {
    let body = bodies.get(r);
    if (body === undefined) {
      body = json(toServerResponse(r));
      bodies.set(r, body);
    }
    return body;
  };
  const listJson = (records: readonly VersionRecord[]) => `{"servers":[${records.map(responseJson).join(",")}],"metadata":{"count":${records.length}}}`;

  const listed = listedRecords(model);
  const list = listJson(listed);
  twin("servers", list);
  emit("servers.html", list);
  emit("servers/index.html", list);

  const byName = new Map<string, VersionRecord[]>();
  for (const r of model.versions) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  for (const [name, records] of byName) {
    const base = `servers/${name}/versions`;
    for (const r of records) {
      const body = responseJson(r);
      emit(`${base}/${r.version}`, body);
      twin(`${base}/${r.version}`, body);
    }
    const live = records.filter((r) => r.official.status !== "deleted").sort(byPublishedDesc);
    if (live.length === 0) continue; // upstream answers 404 for a server whose versions are all deleted
    // No versions.html: GitHub Pages, like nginx and python, answers `…/versions` with a 301 to `…/versions/`
    // and its index.html. One copy fewer of every version keeps 100k versions inside Pages' 1 GB.
    const versions = listJson(live);
    twin(base, versions);
    emit(`${base}/index.html`, versions);
    const latest = live.find((r) => r.official.isLatest);
    if (latest) {
      const body = responseJson(latest);
      emit(`${base}/latest`, body);
      twin(`${base}/latest`, body);
    }
  }

  const { info } = model;
  const health = json({ status: "ok" });
  const version = json({ version: "static", git_commit: info.gitCommit ?? "unknown", build_time: info.generatedAt });
  for (const [route, body] of [["health", health], ["ping", json({ pong: true })], ["version", version]] as const) {
    emit(route, body);
    twin(route, body);
  }
  const counts = {
    servers: byName.size,
    versions: model.versions.length,
    listed: listed.length,
    deleted: model.versions.filter((r) => r.official.status === "deleted").length,
  };
  emit(`x/${REGISTRY_NAMESPACE}/meta.json`, json({ generatedAt: info.generatedAt, gitCommit: info.gitCommit, serial: info.serial, counts }));

  files.sort((a, b) => compareCodeUnits(a[0], b[0]));
  return new Map(files);
}
