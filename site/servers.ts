// Groups the model's versions by server and picks the version that represents each server.

import { compareCodeUnits, type RegistryModel, type VersionRecord } from "../scripts/lib/model.ts";
import { newestFirst as newestFirstBy } from "../scripts/lib/versions.ts";

export interface ServerGroup {
  readonly name: string;
  /** The version the listing shows: the one marked isLatest, else the most recently published. */
  readonly latest: VersionRecord;
  /** Every version, newest first: the order of the API's `/versions` (`newestFirst` in versions.ts). */
  readonly versions: readonly VersionRecord[];
}

const newestFirst = newestFirstBy((r: VersionRecord) => ({ version: r.version, publishedAt: r.official.publishedAt }));

/** Servers in code-unit order of their names. */
export function groupServers(model: RegistryModel): ServerGroup[] {
  const byName = new Map<string, VersionRecord[]>();
  for (const record of model.versions) {
    const list = byName.get(record.name);
    if (list === undefined) byName.set(record.name, [record]);
    else list.push(record);
  }
  const groups: ServerGroup[] = [];
  for (const name of [...byName.keys()].sort(compareCodeUnits)) {
    const versions = (byName.get(name) ?? []).slice().sort(newestFirst);
    const latest = versions.find((v) => v.official.isLatest) ?? versions[0];
    if (latest !== undefined) groups.push({ name, latest, versions });
  }
  return groups;
}
