import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { measureReadFloor, measureWriteFloor } from "./io-floor.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "io-floor-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("I/O floor", () => {
  const tree = new Map<string, string | Uint8Array>([
    ["a/b/c.json", "{}"],
    ["a/b/d", "é"],
    ["a/x.html", new Uint8Array([1, 2, 3])],
    ["top.json", ""],
  ]);

  it("writes the same paths and bytes, creating each folder once, then reads them all back", () => {
    let t = 0;
    const clock = () => (t += 5);
    const out = path.join(tmp, "out");
    const w = measureWriteFloor(tree, out, clock);
    expect(w).toEqual({ ms: 5, files: 4, dirs: 2, bytes: 2 + 2 + 3 + 0 });
    expect(fs.readFileSync(path.join(out, "a/b/d"), "utf8")).toBe("é");
    expect([...fs.readFileSync(path.join(out, "a/x.html"))]).toEqual([1, 2, 3]);
    const r = measureReadFloor(out, clock);
    expect(r).toEqual({ ms: 5, files: 4, dirs: 2, bytes: 7 });
  });

  it("refuses to write into an existing folder (the floor must start from nothing, like the build)", () => {
    expect(() => measureWriteFloor(tree, tmp)).toThrow();
  });
});
