// A synthetic registry for benchmarks and scale tests: realistic-looking names, titles and descriptions drawn from
// a fixed vocabulary with a seeded generator, so every run measures the same data.

import { prng } from "../scripts/lib/bench/synthetic.ts";
import {
  compareCodeUnits,
  documentJson,
  type RegistryModel,
  type ServerJson,
  type Status,
  type VersionRecord,
} from "../scripts/lib/model.ts";
import { gitBlobId } from "../scripts/lib/git-blob.ts";

const WORDS = (
  "github gitlab slack notion linear jira confluence postgres mysql sqlite redis mongo elastic kafka s3 gcs azure " +
  "aws docker kubernetes helm terraform ansible browser puppeteer playwright search brave google bing weather maps " +
  "calendar email gmail outlook drive dropbox box figma sentry datadog grafana prometheus stripe shopify twilio " +
  "openai anthropic memory filesystem git shell terminal python node rust java dotnet sql graph vector embedding " +
  "pdf excel csv markdown html scraper crawler fetch http api rest graphql openapi json yaml time math finance " +
  "stocks crypto news youtube spotify twitter reddit discord telegram whatsapp zoom teams sharepoint salesforce " +
  "hubspot zendesk intercom airtable supabase firebase vercel netlify cloudflare fly heroku render railway deno " +
  "bun vite webpack eslint prettier jest vitest cypress selenium chrome firefox safari obsidian logseq todoist " +
  "trello asana clickup monday miro canva adobe photoshop blender unity unreal godot arxiv pubmed wikipedia " +
  "wolfram translate deepl speech audio video image ocr vision camera iot home assistant mqtt serial bluetooth"
).split(" ");
const VERBS =
  "manage query search read write sync monitor deploy analyze index browse convert summarize track automate inspect".split(
    " ",
  );
const NOUNS =
  "issues tickets records files documents pages tables events metrics logs repositories pipelines messages tasks notes images".split(
    " ",
  );

const LAST_PUBLISH = Date.parse("2025-10-28T00:00:00Z") / 1000;
const TWO_YEARS = 730 * 86_400;
const FIRST_PUBLISH = LAST_PUBLISH - TWO_YEARS;

export interface SyntheticOptions {
  readonly servers: number;
  /** Versions per server (default 1). */
  readonly versionsPerServer?: number;
  readonly seed?: number;
}

/** A model with `servers` distinct servers in sorted order, each with `versionsPerServer` versions. */
export function syntheticModel(options: SyntheticOptions): RegistryModel {
  const random = prng(options.seed ?? 1);
  // Publish times come from their own generator, so the names and texts stay those of earlier runs.
  const clock = prng((options.seed ?? 1) + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const perServer = Math.max(1, options.versionsPerServer ?? 1);
  const versions: VersionRecord[] = [];
  const names = new Set<string>();
  const encoder = new TextEncoder();
  while (names.size < options.servers) {
    const owner = `${pick(WORDS)}${random() < 0.5 ? pick(WORDS) : ""}${Math.floor(random() * 100)}`;
    const ns = random() < 0.7 ? `io.github.${owner}` : `com.${owner}`;
    const name = `${ns}/${pick(WORDS)}${random() < 0.6 ? `-${pick(WORDS)}` : ""}${random() < 0.4 ? "-mcp" : ""}`;
    if (names.has(name)) continue;
    names.add(name);
    const a = pick(WORDS);
    const b = pick(WORDS);
    const title =
      random() < 0.6 ? `${a[0]?.toUpperCase()}${a.slice(1)} ${b[0]?.toUpperCase()}${b.slice(1)}` : undefined;
    let description = `${pick(VERBS)[0]?.toUpperCase()}${pick(VERBS).slice(1)} ${pick(WORDS)} ${pick(NOUNS)} with ${pick(WORDS)} and ${pick(WORDS)}`;
    while (description.length < 60 && random() < 0.8) description += ` for ${pick(WORDS)} ${pick(NOUNS)}`;
    description = description.slice(0, 100);
    const registryType = pick(["npm", "npm", "npm", "npm", "pypi", "pypi", "oci", "nuget", "mcpb", "cargo"]);
    const hasRemote = random() < 0.2;
    const hasPackage = !hasRemote || random() < 0.5;
    const roll = random();
    // the first version some time in the two years before the build, the next ones days to weeks apart
    let published = FIRST_PUBLISH + Math.floor(clock() * TWO_YEARS);
    const status: Status = roll < 0.05 ? "deprecated" : roll < 0.07 ? "deleted" : "active";
    for (let v = 0; v < perServer; v++) {
      const version = `1.${v}.0`;
      const server: ServerJson = {
        $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        name,
        description,
        version,
        ...(title === undefined ? {} : { title }),
        repository: { url: `https://github.com/${owner}/${name.split("/")[1]}`, source: "github" },
        ...(hasPackage
          ? {
              packages: [
                {
                  registryType,
                  identifier: registryType === "oci" ? `docker.io/${owner}/${a}:${version}` : `${owner}-${a}`,
                  ...(registryType === "oci" ? {} : { version }),
                  transport: { type: "stdio" },
                  environmentVariables: [{ name: `${a.toUpperCase()}_API_KEY`, isRequired: true, isSecret: true }],
                },
              ],
            }
          : {}),
        ...(hasRemote ? { remotes: [{ type: "streamable-http", url: `https://mcp.${owner}.example/mcp` }] } : {}),
      };
      const isLatest = v === perServer - 1;
      if (v > 0) published = Math.min(LAST_PUBLISH, published + 86_400 + Math.floor(clock() * 30 * 86_400));
      const time = new Date(published * 1000).toISOString().replace(".000Z", "Z");
      versions.push({
        name,
        version,
        file: `servers/${name}/${version}/server.json`,
        json: documentJson(server),
        blob: gitBlobId(encoder.encode(JSON.stringify(server))),
        official: {
          status: isLatest ? status : "active",
          ...(isLatest && status !== "active" ? { statusMessage: `This server is ${status}.` } : {}),
          statusChangedAt: time,
          publishedAt: time,
          updatedAt: time,
          isLatest,
        },
      });
    }
  }
  versions.sort((x, y) => compareCodeUnits(x.name, y.name) || compareCodeUnits(x.version, y.version));
  return { versions, info: { gitCommit: null, generatedAt: "2025-10-28T00:00:00Z", serial: 1 } };
}
