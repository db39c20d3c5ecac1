// A server page's "Published" (the oldest version's publish time) and "Updated" (the newest of any version's
// times) rows: of times that are the same instant written differently, the one a stable sort would put first
// (published: the first given) or last (updated: the last given), as the page always showed.

import { describe, expect, it } from "vitest";
import { renderServerPage } from "./render.ts";
import { makeRecord, sampleModel } from "./test/sample-model.ts";

const assets = { css: "assets/site.css", js: "assets/app.js" };
const record = (version: string, publishedAt: string, updatedAt: string) => {
  const r = makeRecord({ name: "io.github.a/dates", description: "Dates.", version }, { publishedAt });
  return { ...r, official: { ...r.official, updatedAt, statusChangedAt: "2025-01-01T00:00:00Z" } };
};

function rows(versions: ReturnType<typeof record>[]): { published: string; updated: string } {
  const html = renderServerPage(
    { name: "io.github.a/dates", latest: versions[0]!, versions },
    assets,
    sampleModel().info,
  );
  const times = [...html.matchAll(/<dt>(Published|Updated)<\/dt><dd><time datetime="([^"]*)"/g)];
  return { published: times[0]![2]!, updated: times[1]![2]! };
}

describe("the server page's dates", () => {
  it("shows the oldest publish time and the newest of all times", () => {
    const versions = [
      record("3.0.0", "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
      record("1.0.0", "2025-01-02T00:00:00Z", "2025-06-01T00:00:00+02:00"),
      record("2.0.0", "2025-02-01T00:00:00Z", "2025-05-01T00:00:00Z"),
    ];
    expect(rows(versions)).toEqual({ published: "2025-01-02T00:00:00Z", updated: "2025-06-01T00:00:00+02:00" });
  });

  it("of one instant written two ways, shows the first given as published and the last given as updated", () => {
    const versions = [
      record("2.0.0", "2025-01-02T00:00:00.000Z", "2025-06-01T00:00:00Z"),
      record("1.0.0", "2025-01-02T00:00:00Z", "2025-06-01T02:00:00+02:00"),
    ];
    expect(rows(versions)).toEqual({ published: "2025-01-02T00:00:00.000Z", updated: "2025-06-01T02:00:00+02:00" });
  });
});
