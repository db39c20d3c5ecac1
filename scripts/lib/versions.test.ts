import semver from "semver";
import { describe, expect, it } from "vitest";
import { prng } from "./bench/synthetic.ts";
import {
  checkVersionString,
  compareTimestamps,
  compareVersions,
  isSemanticVersion,
  newestFirst,
  pickLatest,
} from "./versions.ts";

describe("isSemanticVersion", () => {
  it.each([
    "1.0.0",
    "v1.0.0",
    "0.0.0",
    "1.2.3-rc.1+build",
    "1.2.3-alpha",
    "1.0.0-beta.1",
    "1.0.0-0",
    "1.0.0-0a",
    "1.0.0-alpha-1",
    "1.0.0+001",
    "1.0.0+build.2.sha-abc",
    "1.1298.0",
    "2025.11.25",
    "99999999999999999999.0.0",
  ])("%s is semver", (v) => {
    expect(isSemanticVersion(v)).toBe(true);
  });

  it.each([
    "1.0",
    "1",
    "v1.0",
    "2025.06.18",
    "2025-06-18",
    "01.0.0",
    "1.00.0",
    "1.0.00",
    "1.0.0-01",
    "1.0.0-",
    "1.0.0+",
    "1.0.0-a..b",
    "1.0.0+a..b",
    "1.0.0.0",
    "=1.2.3",
    " 1.2.3",
    "1.2.3 ",
    "V1.2.3",
    "vv1.2.3",
    "1.2.3-a_b",
    "latest",
    "",
    "１.２.３",
  ])("%j is not semver", (v) => {
    expect(isSemanticVersion(v)).toBe(false);
  });
});

describe("compareVersions", () => {
  const early = "2025-01-01T00:00:00Z";
  const late = "2025-06-01T00:00:00Z";
  it.each([
    ["1.0.1", "1.0.0", early, late, 1],
    ["1.0.0", "1.0.1", late, early, -1],
    ["1.0.0", "1.0.0-rc.1", early, late, 1],
    ["1.0.0-rc.2", "1.0.0-rc.10", early, late, -1],
    ["1.0.0-alpha", "1.0.0-1", early, late, 1],
    ["1.0.0-alpha", "1.0.0-alpha.1", early, late, -1],
    ["1.0.0+a", "1.0.0+b", late, early, 0],
    ["v1.0.0", "1.0.0", late, early, 0],
    ["10.0.0", "9.0.0", early, late, 1],
    ["99999999999999999999.0.0", "99999999999999999998.0.0", early, late, 1],
    // neither semver: publish time decides
    ["2025.06.18", "2025.07.01", late, early, 1],
    ["2025.06.18", "2025.07.01", early, late, -1],
    ["2025.6.19", "2025.06.18", early, late, 1], // 2025.6.19 is semver, 2025.06.18 is not
    ["1.0", "2.0", early, early, 0],
    // exactly one semver: the semver one wins, whatever the times
    ["1.0.0", "2025.06.18", early, late, 1],
    ["v1.0", "0.0.1", late, early, -1],
  ])("compare(%s, %s, %s, %s) = %d", (a, b, at, bt, expected) => {
    expect(compareVersions(a, b, at, bt)).toBe(expected);
  });

  it("compares timestamps at nanosecond precision and across offsets", () => {
    expect(compareTimestamps("2025-01-01T00:00:00.000000002Z", "2025-01-01T00:00:00.000000001Z")).toBe(1);
    expect(compareTimestamps("2025-01-01T02:00:00+02:00", "2025-01-01T00:00:00Z")).toBe(0);
    expect(compareTimestamps("2025-01-01T00:00:00Z", "not a time")).toBe(-1);
  });
});

// npm `semver` is the oracle for the semver half of the order: wherever it can represent both versions
// exactly, compareVersions must agree with it. versions.ts does not call it, because Go's rules differ from it
// at the edges (last test) and because it is about 2.5x slower (sorting 20k versions: ~450 ms vs ~1,100 ms).
describe("compareVersions agrees with npm semver", () => {
  const next = prng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const IDS = ["0", "1", "2", "10", "11", "alpha", "beta", "rc", "0a", "a-1", "-", "x-y", "RC", "Alpha"] as const;
  const corpus = Array.from({ length: 400 }, () => {
    const core = [pick([0, 1, 2, 10]), pick([0, 1, 9, 10]), pick([0, 1, 2, 100])].join(".");
    const pre = next() < 0.6 ? `-${Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(IDS)).join(".")}` : "";
    const build = next() < 0.2 ? `+${pick(["b1", "001", "sha.abc-1"])}` : "";
    return `${next() < 0.1 ? "v" : ""}${core}${pre}${build}`;
  });
  const t = "2025-01-01T00:00:00Z";

  it("accepts every generated version, as npm semver does", () => {
    for (const v of corpus) {
      expect(isSemanticVersion(v), v).toBe(true);
      expect(semver.valid(v), v).not.toBeNull();
    }
  });

  it("orders every pair as npm semver does (build metadata ignored by both)", () => {
    let checked = 0;
    for (const a of corpus) {
      for (let k = 0; k < 25; k++) {
        const b = pick(corpus);
        expect(compareVersions(a, b, t, t), `${a} vs ${b}`).toBe(semver.compare(a, b));
        checked++;
      }
    }
    expect(checked).toBe(10_000);
  });

  it("differs from npm semver where Go does, which is why versions.ts does not delegate to it", () => {
    // Go refuses surrounding whitespace; npm trims it.
    expect(isSemanticVersion(" 1.2.3")).toBe(false);
    expect(semver.valid(" 1.2.3")).toBe("1.2.3");
    // Go accepts numbers of any size; npm refuses a core part above 2^53 - 1 ...
    expect(isSemanticVersion("99999999999999999999.0.0")).toBe(true);
    expect(semver.valid("99999999999999999999.0.0")).toBeNull();
    // ... and rounds a huge numeric prerelease identifier, so two different ones tie.
    const [a, b] = ["1.0.0-9007199254740993", "1.0.0-9007199254740992"];
    expect(compareVersions(a, b, t, t)).toBe(1);
    expect(semver.compare(a, b)).toBe(0);
  });
});

describe("pickLatest", () => {
  type V = { version: string; publishedAt: string; status: string };
  const v = (version: string, day: number, status = "active"): V => ({
    version,
    publishedAt: `2025-01-${String(day).padStart(2, "0")}T00:00:00Z`,
    status,
  });
  const latest = (vs: V[]) => pickLatest(vs, (x) => x)?.version;

  it("returns undefined for no versions", () => {
    expect(pickLatest([], (x: V) => x)).toBeUndefined();
  });
  it("picks the highest semver regardless of publish order", () => {
    expect(latest([v("1.2.0", 3), v("2.0.0", 1), v("1.9.0", 2)])).toBe("2.0.0");
  });
  it("a prerelease published after its release is not latest", () => {
    expect(latest([v("1.2.3", 1), v("1.2.3-1", 2)])).toBe("1.2.3");
  });
  it("semver beats a later non-semver", () => {
    expect(latest([v("1.0.0", 1), v("2025.06.18", 2)])).toBe("1.0.0");
  });
  it("among non-semver versions, the last published wins", () => {
    expect(latest([v("2025-06-18", 1), v("2025-05-01", 2)])).toBe("2025-05-01");
  });
  it("skips deleted versions", () => {
    expect(latest([v("1.0.0", 1), v("2.0.0", 2, "deleted"), v("1.5.0", 3, "deprecated")])).toBe("1.5.0");
  });
  it("falls back to the highest deleted version when all are deleted", () => {
    expect(latest([v("1.0.0", 1, "deleted"), v("2.0.0", 2, "deleted")])).toBe("2.0.0");
  });
  it("build-metadata ties keep the earlier-published version, whatever the input order", () => {
    const a = v("1.0.0+b", 1);
    const b = v("1.0.0+a", 2);
    expect(latest([a, b])).toBe("1.0.0+b");
    expect(latest([b, a])).toBe("1.0.0+b");
  });
  it("same-time ties are broken by version string, so the result is deterministic", () => {
    const x = v("1.0.0+y", 1);
    const y = v("1.0.0+x", 1);
    expect(latest([x, y])).toBe("1.0.0+x");
    expect(latest([y, x])).toBe("1.0.0+x");
  });
});

describe("newestFirst", () => {
  type P = { version: string; publishedAt: string };
  const order = (vs: P[]) => [...vs].sort(newestFirst((x: P) => x)).map((x) => x.version);
  const at = (publishedAt: string, version: string): P => ({ version, publishedAt });

  it("puts the later publish time first, compared as times whatever the precision", () => {
    // Upstream writes RFC3339Nano, which drops trailing zeros: :18Z and :18.5Z are both upstream output.
    expect(
      order([at("2025-01-01T00:00:18Z", "a"), at("2025-01-01T00:00:18.5Z", "b"), at("2025-01-01T00:00:17.999Z", "c")]),
    ).toEqual(["b", "a", "c"]);
  });
  it("breaks a publish-time tie by version precedence, highest first, not by string", () => {
    const t = "2025-01-01T00:00:00Z";
    expect(order([at(t, "1.9.0"), at(t, "1.10.0"), at(t, "1.10.0-rc.1"), at(t, "2025.06.18")])).toEqual([
      "1.10.0",
      "1.10.0-rc.1",
      "1.9.0",
      "2025.06.18",
    ]);
  });
  it("breaks a precedence tie by version string, descending, so the order is total", () => {
    const t = "2025-01-01T00:00:00Z";
    const vs = [at(t, "1.0.0+a"), at(t, "1.0.0+b"), at(t, "2025-x"), at(t, "2025-y")];
    expect(order(vs)).toEqual(["1.0.0+b", "1.0.0+a", "2025-y", "2025-x"]);
    expect(order([...vs].reverse())).toEqual(order(vs));
  });
});

describe("checkVersionString", () => {
  // The allowed and prohibited examples of docs/modelcontextprotocol-io/versioning.mdx, plus edge cases.
  it.each([
    "1.0.0",
    "2.1.3-alpha",
    "1.0.0-beta.1",
    "3.0.0-rc.2",
    "2025.11.25",
    "2025.6.18",
    "2025.06.18",
    "2025-06-18",
    "v1.0",
    "1.0.0+build.5",
    "1",
    "1.2.3.4",
    "abc",
    "1- 2",
    "1.0.0-rc.1.2.3.4.5",
    "latest-1",
    "Latest",
    "",
  ])("allows %j", (v) => {
    expect(checkVersionString(v)).toBeNull();
  });

  it.each([
    ["^1.2.3", "version/range"],
    ["~1.2.3", "version/range"],
    [">=1.2.3", "version/range"],
    ["<=1.2.3", "version/range"],
    [">1.2.3", "version/range"],
    ["<1.2.3", "version/range"],
    ["1.x", "version/range"],
    ["1.2.*", "version/range"],
    ["1 - 2", "version/range"],
    ["1.2 || 1.3", "version/range"],
    ["=1.2.3", "version/range"],
    ["  ^ v1.2  ", "version/range"],
    ["x.x", "version/range"],
    ["*.1", "version/range"],
    ["1.X.0", "version/range"],
    ["1.2.3-beta - 2.0.0", "version/range"],
    ["1.0 || 2.0 || 3.0", "version/range"],
    // upstream quirk: the wildcard pattern's x/X/* test looks at the whole string
    ["1.0.0-linux", "version/range"],
    ["1.0.0-rc.x.1", "version/range"],
    ["1 -2", "version/range"],
    ["latest", "version/reserved"],
  ])("refuses %j with %s", (v, code) => {
    expect(checkVersionString(v)?.code).toBe(code);
  });

  it("quotes the version in the range message", () => {
    expect(checkVersionString("^1.2.3")?.message).toBe('version must be a specific version, not a range: "^1.2.3"');
  });
});
