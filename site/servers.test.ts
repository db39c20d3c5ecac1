// The site's version table and the API's /versions list show a server's versions in one order
// (versions.ts `newestFirst`): the site used to order publish-time ties by version string.

import { describe, expect, it } from "vitest";
import { buildApiTree } from "../scripts/lib/build.ts";
import type { RegistryModel, ServerJson, VersionRecord } from "../scripts/lib/model.ts";
import { createQueryIndex, bodyText, serverVersions } from "../scripts/lib/serve/query.ts";
import { groupServers } from "./servers.ts";
import { makeRecord } from "./test/sample-model.ts";

const NAME = "io.github.alice/weather";
const server = (version: string): ServerJson => ({ name: NAME, description: "d", version }) as ServerJson;
const record = (version: string, publishedAt: string, isLatest = false): VersionRecord =>
  makeRecord(server(version), { publishedAt, isLatest });

describe("groupServers", () => {
  it("orders a server's versions exactly as the static and the served /versions lists do", () => {
    const t = "2025-03-01T00:00:00Z";
    const versions = [
      record("1.10.0", t, true),
      record("1.9.0", t),
      record("2025.06.18", t),
      record("1.0.0", "2025-03-01T00:00:00.5Z"),
      record("0.9.0", "2025-02-01T00:00:00Z"),
    ];
    const model: RegistryModel = {
      versions: [...versions].sort((a, b) => (a.version < b.version ? -1 : 1)),
      info: { gitCommit: null, generatedAt: t, serial: 1 },
    };
    const expected = ["1.0.0", "1.10.0", "1.9.0", "2025.06.18", "0.9.0"];

    expect(groupServers(model)[0]!.versions.map((v) => v.version)).toEqual(expected);
    const versionsOf = (json: string) =>
      (JSON.parse(json) as { servers: { server: { version: string } }[] }).servers.map((s) => s.server.version);
    expect(versionsOf(String(buildApiTree(model).get(`v0.1/servers/${NAME}/versions.json`)))).toEqual(expected);
    expect(versionsOf(bodyText(serverVersions(createQueryIndex(model), NAME, false)))).toEqual(expected);
  });
});
