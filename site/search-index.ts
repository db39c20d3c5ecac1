// Builds the prebuilt search index (assets/search-index.json) from the registry model.

import { compareCodeUnits, serverOf, type RegistryModel } from "../scripts/lib/model.ts";
import { changesOf, serverTimes, type ServerTimes } from "./changes.ts";
import { splitName } from "./src/paths.ts";
import { STATUS_CODES, TRANSPORT_LOCAL, TRANSPORT_REMOTE, type SearchIndexFile } from "./src/search.ts";
import { groupServers, type ServerGroup } from "./servers.ts";

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function buildSearchIndex(
  model: RegistryModel,
  groups: readonly ServerGroup[] = groupServers(model),
  times: ReadonlyMap<string, ServerTimes> = serverTimes(changesOf(model)),
): SearchIndexFile {
  const namespaces = [...new Set(groups.map((g) => splitName(g.name)[0]))].sort(compareCodeUnits);
  const nsIds = new Map(namespaces.map((ns, i) => [ns, i]));
  const latest = new Map(groups.map((g) => [g, serverOf(g.latest)])); // each latest document parsed once
  const typesOf = (g: ServerGroup): string[] => {
    const server = latest.get(g)!;
    const packages = Array.isArray(server.packages) ? server.packages : [];
    return [...new Set(packages.map((p) => text(p?.registryType)).filter((t) => t !== ""))].sort(compareCodeUnits);
  };
  const packageTypes = [...new Set(groups.flatMap(typesOf))].sort(compareCodeUnits);
  const typeIds = new Map(packageTypes.map((t, i) => [t, i]));
  const index = {
    format: 1 as const,
    namespaces,
    packageTypes,
    ns: [] as number[],
    name: [] as string[],
    title: [] as string[],
    description: [] as string[],
    version: [] as string[],
    versions: [] as number[],
    status: [] as number[],
    transport: [] as number[],
    packages: [] as number[][],
    published: [] as number[],
    updated: [] as number[],
  };
  for (const g of groups) {
    const [ns, name] = splitName(g.name);
    const server = latest.get(g)!;
    const hasPackages = Array.isArray(server.packages) && server.packages.length > 0;
    const hasRemotes = Array.isArray(server.remotes) && server.remotes.length > 0;
    index.ns.push(nsIds.get(ns) ?? 0);
    index.name.push(name);
    index.title.push(text(server.title));
    index.description.push(text(server.description));
    index.version.push(g.latest.version);
    index.versions.push(g.versions.length);
    index.status.push(Math.max(0, STATUS_CODES.indexOf(g.latest.official.status)));
    index.transport.push((hasPackages ? TRANSPORT_LOCAL : 0) | (hasRemotes ? TRANSPORT_REMOTE : 0));
    index.packages.push(typesOf(g).map((t) => typeIds.get(t) ?? 0));
    const t = times.get(g.name);
    const created = Math.floor((t?.created ?? 0) / 3600);
    index.published.push(created);
    index.updated.push(Math.floor((t?.updated ?? 0) / 3600) - created);
  }
  return index;
}
