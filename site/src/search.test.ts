import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { makeRecord } from "../test/sample-model.ts";
import { buildSearchIndex } from "../search-index.ts";
import { syntheticModel } from "../synthetic.ts";
import type { RegistryModel, ServerJson, Status } from "../../scripts/lib/model.ts";
import { compareCodeUnits } from "../../scripts/lib/model.ts";
import { prefixDistance, prepareIndex, search, type PreparedIndex, type SearchFilters } from "./search.ts";

interface Entry {
  name: string;
  title?: string;
  description?: string;
  status?: Status;
  npm?: boolean;
  pypi?: boolean;
  remote?: boolean;
}

function indexOf(entries: readonly Entry[]): PreparedIndex {
  const versions = entries
    .map((e) => {
      const server: ServerJson = {
        name: e.name,
        description: e.description ?? "A server.",
        version: "1.0.0",
        ...(e.title === undefined ? {} : { title: e.title }),
        packages: [
          ...(e.npm === false
            ? []
            : [{ registryType: "npm", identifier: "x", version: "1.0.0", transport: { type: "stdio" } }]),
          ...(e.pypi === true
            ? [{ registryType: "pypi", identifier: "x", version: "1.0.0", transport: { type: "stdio" } }]
            : []),
        ],
        ...(e.remote === true ? { remotes: [{ type: "sse", url: "https://x.example/sse" }] } : {}),
      };
      return makeRecord(server, { status: e.status ?? "active" });
    })
    .sort((a, b) => compareCodeUnits(a.name, b.name));
  const model: RegistryModel = { versions, info: { gitCommit: null, generatedAt: "2025-01-01T00:00:00Z", serial: 1 } };
  return prepareIndex(JSON.parse(JSON.stringify(buildSearchIndex(model))));
}

function names(index: PreparedIndex, query: string, filters?: SearchFilters): string[] {
  return search(index, query, filters).map((h) => index.fullName[h.index] ?? "");
}

const SERVERS: Entry[] = [
  { name: "io.github.acme/github", title: "GitHub", description: "Issues and pull requests" },
  { name: "io.github.acme/github-actions", description: "Run workflows" },
  { name: "io.github.someone/gitlab", title: "GitLab" },
  {
    name: "com.example/weather",
    title: "Weather",
    description: "Forecasts from the weather service",
    pypi: true,
    npm: false,
  },
  { name: "com.example/forecast", title: "Weather Forecast" },
  { name: "com.example/almanac", description: "Sunrise, moon phases and weather history" },
  { name: "com.example/old-weather", title: "Old", status: "deprecated" },
  { name: "com.example/gone-weather", status: "deleted" },
  { name: "com.example/remote-only", npm: false, remote: true, description: "Hosted" },
  { name: "com.example/postgres-mcp", title: "Postgres" },
];

describe("search", () => {
  const index = indexOf(SERVERS);

  it("finds GitHub servers with a typo, name matches before namespace-only matches", () => {
    const hits = names(index, "gthub");
    expect(hits.slice(0, 2)).toEqual(["io.github.acme/github", "io.github.acme/github-actions"]);
    expect(hits).toContain("io.github.someone/gitlab"); // only through its namespace, so after
    expect(hits.indexOf("io.github.someone/gitlab")).toBeGreaterThan(1);
    expect(names(index, "githbu")[0]).toBe("io.github.acme/github"); // transposition
    expect(names(index, "guthub")[0]).toBe("io.github.acme/github"); // substitution
  });

  it("ranks exact name > prefix > title > description", () => {
    expect(names(index, "weather")).toEqual([
      "com.example/weather", // exact short name
      "com.example/old-weather", // name token (deprecated, still above title matches)
      "com.example/forecast", // title
      "com.example/almanac", // description
    ]);
    expect(names(index, "post")[0]).toBe("com.example/postgres-mcp");
  });

  it("hides deleted servers unless asked, and filters by status, package type and transport", () => {
    expect(names(index, "weather")).not.toContain("com.example/gone-weather");
    expect(names(index, "weather", { status: "deleted" })).toEqual(["com.example/gone-weather"]);
    expect(names(index, "weather", { status: "any" })).toContain("com.example/gone-weather");
    expect(names(index, "weather", { status: "deprecated" })).toEqual(["com.example/old-weather"]);
    expect(names(index, "", { packageType: "pypi" })).toEqual(["com.example/weather"]);
    expect(names(index, "", { packageType: "nonexistent" })).toEqual([]);
    expect(names(index, "", { transport: "remote" })).toEqual(["com.example/remote-only"]);
    expect(names(index, "", { transport: "local" })).not.toContain("com.example/remote-only");
  });

  it("requires every term to match somewhere", () => {
    // "forecasts" is one edit from the name "forecast", and in the description of "weather"
    expect(names(index, "weather forecasts")).toEqual(["com.example/weather", "com.example/forecast"]);
    expect(names(index, "weather sunrise")).toEqual(["com.example/almanac"]);
    expect(names(index, "github zebra")).toEqual([]);
  });

  it("lists everything by name for an empty query", () => {
    const all = names(index, "  ");
    expect(all).toEqual([...all].sort(compareCodeUnits));
    expect(all).toHaveLength(SERVERS.length - 1);
  });

  it("does not treat short terms fuzzily", () => {
    expect(names(index, "zzz")).toEqual([]);
    expect(names(index, "gtb")).toEqual([]);
  });
});

describe("prefixDistance", () => {
  it("counts edits against the closest prefix", () => {
    expect(prefixDistance("gthub", "github", 1)).toBe(1);
    expect(prefixDistance("gthu", "github", 1)).toBe(1);
    expect(prefixDistance("githbu", "github", 1)).toBe(1);
    expect(prefixDistance("kubernets", "kubernetes", 2)).toBe(1);
    expect(prefixDistance("slack", "github", 1)).toBe(2);
    expect(prefixDistance("abcd", "ab", 1)).toBe(2);
  });
});

describe("search index at scale", () => {
  it("stays under 1 MB gzipped for 20,000 servers", () => {
    const json = JSON.stringify(buildSearchIndex(syntheticModel({ servers: 20_000 })));
    const gzip = gzipSync(json).length;
    expect(gzip).toBeLessThan(1024 * 1024);
    expect(gzip).toBeGreaterThan(100 * 1024); // the model really has 20k distinct servers
  });
});
