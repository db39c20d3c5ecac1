// The look-alike rule: TR39 skeletons and case folding, the edit distance, "another namespace only", and the
// false-positive count on the real seed data (upstream's 358 servers, where no server imitates another).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  countLookalikePairs,
  editDistance,
  findLookalikes,
  foldName,
  LOOKALIKE_MAX_DISTANCE,
  skeleton,
} from "./lookalike.ts";

const SEEDS = path.join(import.meta.dirname, "../../test/fixtures/reference/seeds/seed-2025-09-29.json");
const seedNames = (): string[] => (JSON.parse(fs.readFileSync(SEEDS, "utf8")) as { name: string }[]).map((s) => s.name);

describe("folding", () => {
  it("maps confusable characters to their prototype (Cyrillic а, digit 0 and 1, capital I)", () => {
    expect(skeleton("\u0430")).toBe(skeleton("a"));
    expect(skeleton("0")).toBe(skeleton("O"));
    expect(foldName("io.github.modeIcontextprotoco1/fi1esystem")).toBe(
      foldName("io.github.modelcontextprotocol/filesystem"),
    );
  });

  it("folds case, but keeps different letters different", () => {
    expect(foldName("io.github.Alice/Weather")).toBe(foldName("io.github.alice/weather"));
    expect(foldName("io.github.alice/weather")).not.toBe(foldName("io.github.alice/feather"));
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions, by code point", () => {
    expect(editDistance("kitten", "sitting", 5)).toBe(3);
    expect(editDistance("abc", "abc", 0)).toBe(0);
    expect(editDistance("a😀b", "ab", 2)).toBe(1);
  });

  it("stops at max + 1", () => {
    expect(editDistance("aaaaaaaa", "bbbbbbbb", 2)).toBe(3);
    expect(editDistance("a", "abcdef", 2)).toBe(3);
  });
});

describe("findLookalikes", () => {
  const existing = ["io.github.modelcontextprotocol/filesystem", "io.github.alice/weather"];

  it("flags a homoglyph of a server in another namespace, naming it (distance 0)", () => {
    const found = findLookalikes("io.github.modelcontextpr\u043etocol/filesystem", existing);
    expect(found).toMatchObject([{ resembles: "io.github.modelcontextprotocol/filesystem", distance: 0 }]);
  });

  it("flags a name within the distance and not one beyond it", () => {
    expect(findLookalikes("io.github.modelcontextprotocal/filesystems", existing)).toMatchObject([
      { resembles: "io.github.modelcontextprotocol/filesystem", distance: 2 },
    ]);
    expect(findLookalikes("io.github.modelcontextprotocal/filesystemz2", existing)).toEqual([]);
  });

  it("ignores servers of the same namespace (the owner's own names) and different names", () => {
    expect(findLookalikes("io.github.alice/weathers", existing)).toEqual([]);
    expect(findLookalikes("io.github.bob/calendar", existing)).toEqual([]);
  });
});

describe("the seed data", () => {
  it(`flags no pair among upstream's seed servers at distance ${LOOKALIKE_MAX_DISTANCE}, and some at 8 (the threshold is not vacuous)`, () => {
    const names = seedNames();
    const tuned = countLookalikePairs(names);
    expect(tuned.servers).toBe(358);
    expect(tuned.pairs).toBeGreaterThan(60_000);
    expect(tuned.flagged).toEqual([]);
    const loose = countLookalikePairs(names, { maxDistance: 8 });
    expect(loose.flagged.length).toBeGreaterThan(0);
    expect(loose.flagged.every((f) => f.name.split("/")[0] !== f.resembles.split("/")[0])).toBe(true);
  }, 60_000);
});
