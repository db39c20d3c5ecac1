// Publish-time semantic rules of the official MCP registry (UPSTREAM.md §3, §4.3, §4.4 and the offline
// half of §4.5) for one server.json document. Messages are the official wording where it is known, so
// publishers recognise them; each finding also carries a hint on how to fix it.
//
// The document may be schema-invalid: every rule reads its inputs defensively and skips values that are
// absent or of the wrong type (the JSON Schema layer reports those). Nothing here throws, touches the
// network, or checks `$schema`.
//
// Rule catalog (stable codes):
//   name/missing-slash               name has no `/`
//   name/multiple-slashes            name has more than one `/`
//   name/empty-part                  namespace or name part is empty
//   name/invalid-namespace           namespace must start/end alphanumeric, may contain `.` and `-`
//   name/invalid-name                name must start/end alphanumeric, may contain `.`, `_` and `-`
//   name/invisible-character         name contains a zero-width, bidi control or other default-ignorable code point
//   name/not-nfc                     name is not in Unicode normalization form C
//   version/reserved                 server or package version is `latest`
//   version/range                    server or package version looks like a range (`^1.2.3`, `1.x`, ...)
//   version/invisible-character      server or package version contains a zero-width, bidi control or other
//                                    default-ignorable code point (`1.0.0` + U+200D displays as `1.0.0`)
//   version/not-nfc                  server or package version is not in Unicode normalization form C
//   repository/invalid-url           source is not github/gitlab, or the URL is not a repository URL of it
//   repository/invalid-subfolder     subfolder is not a clean relative path
//   website-url/invalid              websiteUrl does not parse as a URL
//   website-url/not-absolute         websiteUrl has no scheme
//   website-url/not-https            websiteUrl scheme is not https
//   website-url/invalid-character    websiteUrl contains `"`, `'`, `<`, `>`, space, tab, CR or LF
//   title/whitespace-only            title is only whitespace
//   icon/invalid-src                 icons[].src does not parse as a URL
//   icon/not-absolute                icons[].src has no scheme
//   icon/not-https                   icons[].src scheme is not https
//   package/identifier-required      package identifier missing or empty (npm, pypi, nuget, cargo, oci, mcpb)
//   package/identifier-spaces        package identifier contains a space
//   package/unsupported-registry-type  registryType not one of npm, pypi, nuget, oci, mcpb, cargo
//   package/registry-base-url-mismatch registryBaseUrl is not the one allowed base URL of the type
//   package/registry-base-url-forbidden registryBaseUrl present on an oci or mcpb package
//   package/version-required         version missing on an npm, pypi, nuget or cargo package
//   package/version-forbidden        version present on an oci package
//   package/file-sha256-required     fileSha256 missing on an mcpb package
//   package/file-sha256-forbidden    fileSha256 present on a non-mcpb package
//   package/oci-invalid-reference    oci identifier is not an image reference
//   package/oci-unsupported-registry oci image registry not in the allow-list
//   package/mcpb-unsupported-host    mcpb URL host is not github.com/gitlab.com (or www.)
//   package/mcpb-not-release-asset   mcpb URL path is not a GitHub/GitLab release-asset path
//   package/mcpb-not-https           mcpb URL scheme is not https
//   package/mcpb-missing-mcp         mcpb URL does not contain `mcp`
//   env-var/invalid-name             packages[].environmentVariables[].name outside [A-Za-z_][A-Za-z0-9_]*
//   argument/name-required           named argument without a name
//   argument/invalid-name            named argument name contains `<`, `>`, space or `$`
//   argument/value-starts-with-name  named argument value starts with its own name
//   argument/default-starts-with-name named argument default starts with its own name
//   transport/stdio-url              stdio package transport has a url
//   transport/url-required           streamable-http/sse package transport without url
//   transport/invalid-url            package transport url is not an http(s) URL with a host
//   transport/undefined-variable     package transport url uses a {var} that no argument/env var defines
//   transport/unsupported-type       package transport type not stdio, streamable-http or sse
//   remote/unsupported-type          remote type not streamable-http or sse
//   remote/url-required              remote without url
//   remote/invalid-url               remote url not https, no host, or localhost
//   remote/undefined-variable        remote url uses a {var} that is not a key of `variables`
//   meta/unknown-key                 `_meta` key other than io.modelcontextprotocol.registry/publisher-provided
//   meta/publisher-provided-too-large publisher-provided `_meta` is over 4096 bytes as JSON
//
// Rules decided by the parser (json-source.ts), the loader (load.ts) and the tree (validate.ts) have their
// own catalogs there; `json/number-not-exact`, `tree/namespace-case-conflict` and `tree/name-case-conflict`
// are among them. This file and those are the only home of an offline rule: the verifier, the importer,
// `npm run new` and the build call them and never restate one.

import { toPointer } from "./diagnostics.ts";
import { PUBLISHER_META_KEY } from "./model.ts";
import { checkVersionString } from "./versions.ts";

export interface Finding {
  readonly severity: "error" | "warning";
  readonly code: string;
  /** RFC 6901 JSON pointer of the offending value (or of its parent object when the value is missing). */
  readonly pointer: string;
  readonly message: string;
  readonly hint?: string;
}

type Path = readonly (string | number)[];
type Obj = Readonly<Record<string, unknown>>;
type Rule = (doc: Readonly<Record<string, unknown>>) => Finding[];

function error(code: string, path: Path, message: string, hint?: string): Finding {
  const pointer = toPointer(path);
  return hint === undefined
    ? { severity: "error", code, pointer, message }
    : { severity: "error", code, pointer, message, hint };
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v != null && !Array.isArray(v);
const str = (o: Obj, key: string): string | undefined => (typeof o[key] === "string" ? (o[key] as string) : undefined);
/** Go reads a missing string as "": upstream treats absent and empty alike. */
const nonEmpty = (o: Obj, key: string): string | undefined => {
  const s = str(o, key);
  return s === undefined || s === "" ? undefined : s;
};
/** Present in the JSON (upstream only sees non-empty strings; we also flag non-string values as present). */
const isSet = (o: Obj, key: string): boolean => o[key] != null && o[key] !== "";

/** Objects of an array field, with their indexes (non-objects are the schema layer's business). */
function objectsIn(o: Obj, key: string): { item: Obj; index: number }[] {
  const arr = o[key];
  if (!Array.isArray(arr)) return [];
  const out: { item: Obj; index: number }[] = [];
  for (let index = 0; index < arr.length; index++) {
    const item: unknown = arr[index];
    if (isObj(item)) out.push({ item, index });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// URL parsing, the way Go's net/url.Parse sees it (WHATWG `URL` differs: it fixes up `https:host`,
// lower-cases, and resolves dot segments). Only what the rules need: scheme, host, hostname, path.

interface ParsedUrl {
  readonly scheme: string; // lower-cased, "" when relative
  readonly host: string; // authority minus userinfo, "" when none (may include a port)
  readonly hostname: string; // host minus port and IPv6 brackets
  readonly path: string; // raw (still percent-encoded) path
}

// eslint-disable-next-line no-control-regex -- Go's net/url rejects ASCII control characters: matching them is the point
const CONTROL = /[\x00-\x1f\x7f]/;
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=%\u0080-\uffff]*$/;

function parseUrlLikeGo(raw: string): { ok: true; url: ParsedUrl } | { ok: false; error: string } {
  if (CONTROL.test(raw)) return { ok: false, error: "net/url: invalid control character in URL" };
  let rest = raw.replace(/#.*$/s, "");
  let scheme = "";
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = (m[1] ?? "").toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(":")) {
    return { ok: false, error: "missing protocol scheme" };
  }
  rest = rest.replace(/\?.*$/s, "");
  if (!scheme && !rest.startsWith("//") && (rest.split("/")[0] ?? "").includes(":")) {
    return { ok: false, error: "first path segment in URL cannot contain colon" };
  }
  if (!rest.startsWith("//")) {
    return { ok: true, url: { scheme, host: "", hostname: "", path: rest } };
  }
  const afterSlashes = rest.slice(2);
  const end = afterSlashes.search(/\//);
  const authority = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
  const path = end < 0 ? "" : afterSlashes.slice(end);
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  let hostname = host;
  let port = "";
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) return { ok: false, error: "missing ']' in host" };
    hostname = host.slice(1, close);
    const after = host.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return { ok: false, error: `invalid port "${after}" after host` };
    port = after.slice(1);
  } else {
    const colon = host.lastIndexOf(":");
    if (colon >= 0) {
      hostname = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
    if (!HOST_CHARS.test(hostname))
      return { ok: false, error: `invalid character in host name ${JSON.stringify(hostname)}` };
  }
  if (!/^[0-9]*$/.test(port)) return { ok: false, error: `invalid port ":${port}" after host` };
  return { ok: true, url: { scheme, host, hostname, path } };
}

/**
 * Matches of Go's `\{([^}]+)\}` (leftmost-first, non-overlapping), found in linear time: the same
 * regex in JavaScript backtracks quadratically on unclosed braces, and RE2 (Go) never does.
 */
function braceMatches(s: string): { start: number; end: number; inner: string }[] {
  const out: { start: number; end: number; inner: string }[] = [];
  let close = -1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "{") continue;
    if (close <= i) close = s.indexOf("}", i + 1);
    if (close < 0) break;
    if (close > i + 1) {
      out.push({ start: i, end: close + 1, inner: s.slice(i + 1, close) });
      i = close;
    }
  }
  return out;
}

function replaceBraces(s: string, text: string): string {
  let out = "";
  let last = 0;
  for (const m of braceMatches(s)) {
    out += s.slice(last, m.start) + text;
    last = m.end;
  }
  return out + s.slice(last);
}

/** Go's `regexp.MustCompile(`:(\{[^}]+\})(/|$)`).ReplaceAllString(s, ":8080$2")`, in linear time. */
function replacePortVariables(s: string): string {
  let out = "";
  let last = 0;
  let close = -1;
  for (let i = 0; i + 1 < s.length; i++) {
    if (s[i] !== ":" || s[i + 1] !== "{") continue;
    if (close <= i + 1) close = s.indexOf("}", i + 2);
    if (close < 0) break;
    const next = s[close + 1];
    if (close > i + 2 && (next === undefined || next === "/")) {
      out += s.slice(last, i) + ":8080";
      last = close + 1;
      i = next === undefined ? close : close + 1;
    }
  }
  return out + s.slice(last);
}

/** Upstream `replaceTemplateVariables`: well-known names first, then `:{x}` in port position, then the rest. */
export function substituteTemplateVariables(raw: string): string {
  const known: Record<string, string> = {
    "{host}": "example.com",
    "{port}": "8080",
    "{path}": "api",
    "{protocol}": "http",
    "{scheme}": "http",
  };
  let out = raw;
  for (const [k, v] of Object.entries(known)) out = out.split(k).join(v);
  out = replacePortVariables(out);
  return replaceBraces(out, "placeholder");
}

/** `{name}` references in a URL template, in order of appearance. */
export function templateVariables(raw: string): string[] {
  return braceMatches(raw).map((m) => m.inner);
}

/** Upstream `IsValidURL` (after template substitution): http or https with a non-empty host. */
function parseTemplatedHttpUrl(raw: string): ParsedUrl | null {
  const parsed = parseUrlLikeGo(substituteTemplateVariables(raw));
  if (!parsed.ok) return null;
  const { url } = parsed;
  return (url.scheme === "http" || url.scheme === "https") && url.host !== "" ? url : null;
}

/** Go's `%v` of a []string. */
const goList = (items: readonly string[]): string => `[${items.join(" ")}]`;

// ---------------------------------------------------------------------------------------------------
// name

const NAMESPACE_RE = /^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$/;
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$/;
const NAME_HINT = "Use `<reverse-dns-namespace>/<server-name>`, e.g. `io.github.alice/weather`.";

// ---------------------------------------------------------------------------------------------------
// unambiguous text: names and versions are identities (folders, URLs, what people compare by eye)

/**
 * Zero-width characters, bidi controls and the other default-ignorable code points: they render as nothing
 * (or reorder what follows), so `1.0.0` + U+200D looks like `1.0.0` and U+202E can make a version read as
 * another. Bidi_Control is listed too: U+200E/F and U+202A–U+202E are default-ignorable, U+061C is not in
 * every Unicode version.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u;

const codePoint = (ch: string): string => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Why `value` is ambiguous as an identity, or undefined: an invisible code point first, then normal form. */
function ambiguity(area: "name" | "version", label: string, value: string, path: Path): Finding | undefined {
  const bad = INVISIBLE.exec(value);
  if (bad) {
    return error(
      `${area}/invisible-character`,
      path,
      `${label} contains the invisible or direction-changing character ${codePoint(bad[0])} at position ${bad.index}: ${JSON.stringify(value)}`,
      `Remove the character; two ${area}s that look the same must be the same. Retype the ${area} in a plain-text editor if you cannot see it.`,
    );
  }
  if (value.normalize("NFC") !== value) {
    return error(
      `${area}/not-nfc`,
      path,
      `${label} is not in Unicode normalization form C: ${JSON.stringify(value)} (NFC: ${JSON.stringify(value.normalize("NFC"))})`,
      `Write the composed form (NFC); the decomposed form looks the same and shares a folder with it on macOS.`,
    );
  }
  return undefined;
}

/**
 * The key under which two names (or versions) are the same folder on a case-insensitive checkout.
 * JavaScript has no Unicode case folding; this approximates full case folding (CaseFolding.txt C+F) and
 * leans towards "the same" where file systems disagree, because a false clash only asks for another name
 * while a missed one breaks a checkout:
 *   - NFC first and last: macOS compares names normalization-insensitively.
 *   - toUpperCase then toLowerCase: `ß` → `SS` → `ss` and `ﬁ` → `fi` (full folding), the Kelvin sign
 *     U+212A → `k`, `ſ` → `s`, final `ς` → `σ`, as folding does. Turkish dotless `ı` → `I` → `i`: folding
 *     keeps `ı`, but NTFS's upcase table maps it to `I`, so it is treated as `i`. Dotted `İ` → `i̇` (i plus
 *     U+0307), as full folding does, which is not `i`.
 * Names are ASCII by the name rules, so for them this is plain ASCII lower-casing.
 */
export function caseFoldKey(s: string): string {
  // ASCII (every valid name, most versions) folds to its lower case; the Unicode path costs ~10x more.
  // eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return s.normalize("NFC").toUpperCase().toLowerCase().normalize("NFC");
}

function checkServerName(doc: Obj): Finding[] {
  const name = str(doc, "name");
  if (name === undefined) return [];
  const at = ["name"];
  const ambiguous = ambiguity("name", "server name", name, at);
  if (ambiguous) return [ambiguous];
  if (!name.includes("/")) {
    return [
      error(
        "name/missing-slash",
        at,
        "server name must be in format 'dns-namespace/name' (e.g., 'com.example.api/server')",
        NAME_HINT,
      ),
    ];
  }
  if (name.split("/").length > 2) {
    return [error("name/multiple-slashes", at, "server name cannot contain multiple slashes", NAME_HINT)];
  }
  const [namespace = "", server = ""] = name.split("/");
  if (namespace === "" || server === "") {
    return [
      error(
        "name/empty-part",
        at,
        "server name must be in format 'dns-namespace/name' with non-empty namespace and name parts",
        NAME_HINT,
      ),
    ];
  }
  const out: Finding[] = [];
  if (!NAMESPACE_RE.test(namespace)) {
    out.push(
      error(
        "name/invalid-namespace",
        at,
        `server name format is invalid: namespace '${namespace}' is invalid. Namespace must start and end with alphanumeric characters, and may contain dots and hyphens in the middle`,
        "Use a reverse-DNS namespace of at least two characters, e.g. `io.github.alice` or `com.example`.",
      ),
    );
  }
  if (!NAME_RE.test(server)) {
    out.push(
      error(
        "name/invalid-name",
        at,
        `server name format is invalid: name '${server}' is invalid. Name must start and end with alphanumeric characters, and may contain dots, underscores, and hyphens in the middle`,
        "Use at least two characters from [A-Za-z0-9._-], starting and ending with a letter or digit.",
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// versions (server and packages): one parametrized rule

function versionFinding(value: unknown, path: Path): Finding[] {
  if (typeof value !== "string") return [];
  const ambiguous = ambiguity("version", "version", value, path);
  if (ambiguous) return [ambiguous];
  const problem = checkVersionString(value);
  if (!problem) return [];
  const hint =
    problem.code === "version/reserved"
      ? "Pin the exact version you publish, e.g. `1.2.3`."
      : "Pin one exact version, e.g. `1.2.3`; ranges and wildcards are not allowed.";
  return [error(problem.code, path, problem.message, hint)];
}

const checkServerVersion: Rule = (doc) => versionFinding(doc["version"], ["version"]);

const checkPackageVersion = perPackage((pkg, at) => versionFinding(pkg["version"], [...at, "version"]));

// ---------------------------------------------------------------------------------------------------
// repository

// GitLab projects may sit in nested groups (upstream utils.go accepts `group/subgroup/repo`).
const REPOSITORY_URL_RE: Readonly<Record<string, RegExp>> = {
  github: /^https?:\/\/(www\.)?github\.com\/[\w.-]+\/[\w.-]+\/?$/,
  gitlab: /^https?:\/\/(www\.)?gitlab\.com\/[\w.-]+(\/[\w.-]+)+\/?$/,
};

function checkRepositoryUrl(doc: Obj): Finding[] {
  const repo = doc["repository"];
  if (!isObj(repo)) return [];
  const url = str(repo, "url") ?? "";
  const source = str(repo, "source") ?? "";
  if (url === "" && source === "") return [];
  const re = Object.hasOwn(REPOSITORY_URL_RE, source) ? REPOSITORY_URL_RE[source] : undefined;
  if (re?.test(url)) return [];
  return [
    error(
      "repository/invalid-url",
      ["repository", re ? "url" : "source"],
      `invalid repository URL: ${url}`,
      'Use source "github" with https://github.com/<owner>/<repo>, or source "gitlab" with https://gitlab.com/<group>/<project>.',
    ),
  ];
}

function isCleanRelativePath(p: string): boolean {
  return (
    !p.startsWith("/") &&
    !p.endsWith("/") &&
    /^[a-zA-Z0-9\-_./]+$/.test(p) &&
    p.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..")
  );
}

function checkRepositorySubfolder(doc: Obj): Finding[] {
  const repo = doc["repository"];
  if (!isObj(repo)) return [];
  const sub = nonEmpty(repo, "subfolder");
  if (sub === undefined || isCleanRelativePath(sub)) return [];
  return [
    error(
      "repository/invalid-subfolder",
      ["repository", "subfolder"],
      `invalid subfolder path: ${sub}`,
      "Use a relative path such as `src/server`: no leading or trailing `/`, no `.`/`..`/empty segments, only [A-Za-z0-9._/-].",
    ),
  ];
}

// ---------------------------------------------------------------------------------------------------
// websiteUrl, title, icons

const WEBSITE_FORBIDDEN = /["'<> \t\n\r]/;
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

function checkWebsiteUrl(doc: Obj): Finding[] {
  const url = nonEmpty(doc, "websiteUrl");
  if (url === undefined) return [];
  const at = ["websiteUrl"];
  const parsed = parseUrlLikeGo(url);
  if (!parsed.ok)
    return [
      error(
        "website-url/invalid",
        at,
        `invalid websiteUrl: ${parsed.error}`,
        "Use a full https URL, e.g. https://example.com/docs.",
      ),
    ];
  if (parsed.url.scheme === "") {
    return [
      error(
        "website-url/not-absolute",
        at,
        `websiteUrl must be absolute (include scheme): ${url}`,
        "Start the URL with https://.",
      ),
    ];
  }
  if (parsed.url.scheme !== "https") {
    return [
      error(
        "website-url/not-https",
        at,
        `websiteUrl must use https scheme: ${url}`,
        "Serve the website over https and use an https:// URL.",
      ),
    ];
  }
  const bad = WEBSITE_FORBIDDEN.exec(url);
  if (bad) {
    return [
      error(
        "website-url/invalid-character",
        at,
        `websiteUrl contains an invalid character ${JSON.stringify(bad[0])} at position ${utf8Length(url.slice(0, bad.index))}: ${url}`,
        "Percent-encode the character (space is %20, \" is %22, ' is %27, < is %3C, > is %3E).",
      ),
    ];
  }
  return [];
}

function checkTitle(doc: Obj): Finding[] {
  const title = str(doc, "title");
  if (title === undefined || title === "" || title.trim() !== "") return [];
  return [
    error(
      "title/whitespace-only",
      ["title"],
      "title cannot be only whitespace",
      "Give a human-readable title, or leave `title` out.",
    ),
  ];
}

function checkIconSources(doc: Obj): Finding[] {
  return objectsIn(doc, "icons").flatMap(({ item, index }) => {
    const src = str(item, "src");
    if (src === undefined) return [];
    const at = ["icons", index, "src"];
    const parsed = parseUrlLikeGo(src);
    if (!parsed.ok)
      return [error("icon/invalid-src", at, `invalid icon src: ${parsed.error}`, "Use a full https URL to the image.")];
    if (parsed.url.scheme === "")
      return [
        error(
          "icon/not-absolute",
          at,
          `icon src must be absolute (include scheme): ${src}`,
          "Use a full https URL to the image.",
        ),
      ];
    if (parsed.url.scheme !== "https") {
      return [
        error(
          "icon/not-https",
          at,
          `icon src must use https scheme (got ${parsed.url.scheme}): ${src}`,
          "Host the icon over https and use an https:// URL.",
        ),
      ];
    }
    return [];
  });
}

// ---------------------------------------------------------------------------------------------------
// packages

interface RegistryTypeInfo {
  /** How upstream spells the type in its messages. */
  readonly display: string;
  /** The only accepted registryBaseUrl, or null when the field must be absent. */
  readonly baseUrl: string | null;
  readonly version: "required" | "forbidden" | "optional";
  readonly fileSha256: "required" | "forbidden";
  readonly baseUrlForbiddenMessage?: string;
  readonly versionForbiddenMessage?: string;
}

/** The exact registryBaseUrl strings the official registry accepts (UPSTREAM §1.5, §4.6); also the verifier's default endpoints. */
export const OFFICIAL_BASE_URLS = {
  npm: "https://registry.npmjs.org",
  pypi: "https://pypi.org",
  nuget: "https://api.nuget.org/v3/index.json",
  cargo: "https://crates.io",
} as const;

const REGISTRY_TYPES: Readonly<Record<string, RegistryTypeInfo>> = {
  npm: { display: "NPM", baseUrl: OFFICIAL_BASE_URLS.npm, version: "required", fileSha256: "forbidden" },
  pypi: { display: "PyPI", baseUrl: OFFICIAL_BASE_URLS.pypi, version: "required", fileSha256: "forbidden" },
  nuget: { display: "NuGet", baseUrl: OFFICIAL_BASE_URLS.nuget, version: "required", fileSha256: "forbidden" },
  cargo: { display: "Cargo", baseUrl: OFFICIAL_BASE_URLS.cargo, version: "required", fileSha256: "forbidden" },
  oci: {
    display: "OCI",
    baseUrl: null,
    version: "forbidden",
    fileSha256: "forbidden",
    baseUrlForbiddenMessage:
      "OCI packages must not have 'registryBaseUrl' field - use canonical reference in 'identifier' instead (e.g., 'docker.io/owner/image:1.0.0')",
    versionForbiddenMessage:
      "OCI packages must not have 'version' field - include version in 'identifier' instead (e.g., 'docker.io/owner/image:1.0.0')",
  },
  mcpb: {
    display: "MCPB",
    baseUrl: null,
    version: "optional",
    fileSha256: "required",
    baseUrlForbiddenMessage:
      "MCPB packages must not have 'registryBaseUrl' field - use the full download URL in 'identifier' instead",
  },
};

const registryTypeOf = (pkg: Obj): RegistryTypeInfo | undefined => {
  const t = str(pkg, "registryType");
  return t !== undefined && Object.hasOwn(REGISTRY_TYPES, t) ? REGISTRY_TYPES[t] : undefined;
};

/** A rule about one package: it sees the package, where it is and its type info (when known). */
type PackageRule = (pkg: Obj, at: Path, type: RegistryTypeInfo | undefined) => Finding[];
/** Marks a package rule (typing its parameters); PACKAGE_RULES runs each over every package. */
function perPackage(check: PackageRule): PackageRule {
  return check;
}

const checkIdentifierRequired = perPackage((pkg, at, type) => {
  if (!type || nonEmpty(pkg, "identifier") !== undefined) return [];
  return [
    error(
      "package/identifier-required",
      typeof pkg["identifier"] === "string" ? [...at, "identifier"] : at,
      `package identifier is required for ${type.display} packages`,
      type.display === "MCPB"
        ? "Set `identifier` to the https download URL of the .mcpb release asset."
        : type.display === "OCI"
          ? "Set `identifier` to the image reference, e.g. `ghcr.io/owner/image:1.0.0`."
          : `Set \`identifier\` to the exact ${type.display} package name.`,
    ),
  ];
});

const checkIdentifierSpaces = perPackage((pkg, at) =>
  str(pkg, "identifier")?.includes(" ")
    ? [
        error(
          "package/identifier-spaces",
          [...at, "identifier"],
          "package name cannot contain spaces",
          "Use the package's exact registry name, which never contains spaces.",
        ),
      ]
    : [],
);

const checkRegistryType = perPackage((pkg, at, type) => {
  const t = str(pkg, "registryType");
  if (t === undefined || type) return [];
  return [
    error(
      "package/unsupported-registry-type",
      [...at, "registryType"],
      `unsupported registry type: ${t}`,
      `Use one of ${Object.keys(REGISTRY_TYPES).join(", ")} (lower case).`,
    ),
  ];
});

const checkRegistryBaseUrl = perPackage((pkg, at, type) => {
  if (!type || !isSet(pkg, "registryBaseUrl")) return [];
  const base = pkg["registryBaseUrl"];
  if (type.baseUrl == null) {
    return [
      error(
        "package/registry-base-url-forbidden",
        [...at, "registryBaseUrl"],
        type.baseUrlForbiddenMessage ?? "",
        "Remove `registryBaseUrl`.",
      ),
    ];
  }
  if (base === type.baseUrl) return [];
  const t = str(pkg, "registryType") ?? "";
  return [
    error(
      "package/registry-base-url-mismatch",
      [...at, "registryBaseUrl"],
      `registry type and base URL do not match: '${String(base)}' is not valid for registry type '${t}'. Expected: ${type.baseUrl}`,
      `Set \`registryBaseUrl\` to ${type.baseUrl} or leave it out; private registries and mirrors are not allowed.`,
    ),
  ];
});

const checkPackageVersionPresence = perPackage((pkg, at, type) => {
  if (!type) return [];
  const present = isSet(pkg, "version");
  if (type.version === "required" && !present) {
    return [
      error(
        "package/version-required",
        at,
        `${type.display} packages must have a 'version' field`,
        `Add \`version\` with the exact ${type.display} package version this server.json describes.`,
      ),
    ];
  }
  if (type.version === "forbidden" && present) {
    return [
      error(
        "package/version-forbidden",
        [...at, "version"],
        type.versionForbiddenMessage ?? "",
        "Remove `version` and put the tag in `identifier`, e.g. `ghcr.io/owner/image:1.0.0`.",
      ),
    ];
  }
  return [];
});

const checkFileSha256Presence = perPackage((pkg, at, type) => {
  if (!type) return [];
  const present = isSet(pkg, "fileSha256");
  if (type.fileSha256 === "required" && !present) {
    return [
      error(
        "package/file-sha256-required",
        at,
        "must include a fileSha256 hash for integrity verification",
        "Add `fileSha256` with the lower-case hex SHA-256 of the .mcpb file (`sha256sum file.mcpb`).",
      ),
    ];
  }
  if (type.fileSha256 === "forbidden" && present) {
    return [
      error(
        "package/file-sha256-forbidden",
        [...at, "fileSha256"],
        `${type.display} packages must not have 'fileSha256' field`,
        "Remove `fileSha256`; it is only for mcpb packages.",
      ),
    ];
  }
  return [];
});

// OCI image references, as go-containerregistry's name.ParseReference reads them (non-strict), which is
// what the official registry calls (UPSTREAM §4.5). It checks character sets and lengths, not the
// distribution grammar: `ghcr.io/acme/-img:1` and a tag `-1` parse (the registry will not have such an
// image, which the back-reference check then reports), `ghcr.io/a:1` does not (a repository has at least
// two characters). The one parser of image references: the verifier, `npm run new` and the rules use it.
const OCI_ALLOWED_REGISTRIES = new Set([
  "docker.io",
  "registry-1.docker.io",
  "index.docker.io",
  "ghcr.io",
  "quay.io",
  "mcr.microsoft.com",
]);
const OCI_ALLOWED_SUFFIXES = [".pkg.dev", ".azurecr.io"];
/** go-containerregistry's DefaultRegistry: what `docker.io` and no registry at all both mean. */
export const OCI_DEFAULT_REGISTRY = "index.docker.io";
const OCI_REPOSITORY = /^[a-z0-9_\-./]{2,255}$/;
const OCI_TAG = /^[A-Za-z0-9_\-.]{1,128}$/;
const OCI_DIGEST = /^sha256:[a-f0-9]{64}$/;

interface OciReference {
  /** As go-containerregistry's RegistryStr() names it: Docker Hub is `index.docker.io`. */
  readonly registry: string;
  /** RepositoryStr(): a one-part Docker Hub repository gets its implicit `library/`. */
  readonly repository: string;
  /** The tag as written; absent when none is (go-containerregistry then assumes `latest`). */
  readonly tag?: string;
  readonly digest?: string;
}

type OciParse = { ok: true; ref: OciReference } | { ok: false; error: string };

/** NewRepository: `[registry/]repository`, the registry being the first part iff it has a `.` or `:`. */
function parseOciRepository(
  name: string,
): { ok: true; registry: string; repository: string } | { ok: false; error: string } {
  if (name === "") return { ok: false, error: "a repository name must be specified" };
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":"));
  const registry = hasRegistry ? first : "";
  const repo = hasRegistry ? name.slice(slash + 1) : name;
  if (!OCI_REPOSITORY.test(repo)) {
    return { ok: false, error: `repository must be 2 to 255 characters of [a-z0-9_-./], got ${JSON.stringify(repo)}` };
  }
  // checkRegistry: url.Parse("//" + registry).Host must be the registry itself.
  const parsed = parseUrlLikeGo(`//${registry}`);
  if (!parsed.ok || parsed.url.host !== registry || registry.includes("@")) {
    return { ok: false, error: `registries must be valid RFC 3986 URI authorities: ${registry}` };
  }
  const reg = registry === "" || registry === "docker.io" ? OCI_DEFAULT_REGISTRY : registry;
  const implicitLibrary = reg === OCI_DEFAULT_REGISTRY && !repo.includes("/");
  return { ok: true, registry: reg, repository: implicitLibrary ? `library/${repo}` : repo };
}

/** NewTag: a last `:` part without `/` is the tag (an empty one is no tag). */
function parseOciTag(name: string): OciParse {
  const colon = name.lastIndexOf(":");
  const hasTag = colon >= 0 && !name.slice(colon + 1).includes("/");
  const tag = hasTag ? name.slice(colon + 1) : "";
  if (tag !== "" && !OCI_TAG.test(tag))
    return { ok: false, error: `tag must be 1 to 128 characters of [A-Za-z0-9_-.], got ${JSON.stringify(tag)}` };
  const repo = parseOciRepository(hasTag ? name.slice(0, colon) : name);
  if (!repo.ok) return repo;
  return { ok: true, ref: { registry: repo.registry, repository: repo.repository, ...(tag === "" ? {} : { tag }) } };
}

/** NewDigest: exactly one `@`, a sha256 digest, and before it a repository with or without a tag. */
function parseOciDigest(name: string): OciParse {
  const parts = name.split("@");
  if (parts.length !== 2)
    return {
      ok: false,
      error: `a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: ${name}`,
    };
  const [base = "", digest = ""] = parts;
  if (!digest.startsWith("sha256:")) return { ok: false, error: `unsupported digest algorithm: ${digest}` };
  if (!OCI_DIGEST.test(digest))
    return { ok: false, error: `digest must be sha256:<64 lower-case hex digits>, got ${JSON.stringify(digest)}` };
  const tagged = parseOciTag(base);
  if (tagged.ok) return { ok: true, ref: { ...tagged.ref, digest } };
  const repo = parseOciRepository(base);
  return repo.ok ? { ok: true, ref: { registry: repo.registry, repository: repo.repository, digest } } : repo;
}

/** name.ParseReference: a tag reference, else a digest reference. The error names what was wrong. */
export function parseOciReference(ref: string): OciParse {
  const tagged = parseOciTag(ref);
  if (tagged.ok) return tagged;
  const digested = parseOciDigest(ref);
  if (digested.ok) return digested;
  return {
    ok: false,
    error: `could not parse reference: ${ref} (${ref.includes("@") ? digested.error : tagged.error})`,
  };
}

const isAllowedOciRegistry = (r: string): boolean =>
  OCI_ALLOWED_REGISTRIES.has(r) || OCI_ALLOWED_SUFFIXES.some((s) => r.endsWith(s));

const checkOciIdentifier = perPackage((pkg, at) => {
  const id = str(pkg, "registryType") === "oci" ? nonEmpty(pkg, "identifier") : undefined;
  if (id === undefined) return [];
  const where = [...at, "identifier"];
  const parsed = parseOciReference(id);
  if (!parsed.ok) {
    return [
      error(
        "package/oci-invalid-reference",
        where,
        `invalid OCI reference: ${parsed.error}`,
        "Use a full image reference such as `ghcr.io/owner/image:1.0.0`.",
      ),
    ];
  }
  if (isAllowedOciRegistry(parsed.ref.registry)) return [];
  return [
    error(
      "package/oci-unsupported-registry",
      where,
      `unsupported OCI registry: ${parsed.ref.registry}`,
      "Publish the image to docker.io, ghcr.io, quay.io, mcr.microsoft.com, *.pkg.dev or *.azurecr.io.",
    ),
  ];
});

const MCPB_HOSTS = new Set(["github.com", "www.github.com", "gitlab.com", "www.gitlab.com"]);
const GITHUB_RELEASE_PATH =
  /^\/([a-zA-Z0-9]([a-zA-Z0-9-]{0,37}[a-zA-Z0-9])?)\/([a-zA-Z0-9._-]+)\/releases\/download\/([^/]+)\/([^/]+)$/;
const GITLAB_RELEASE_PATHS = [
  /^\/([a-zA-Z0-9._-]+(?:\/[a-zA-Z0-9._-]+)*)\/-\/releases\/([^/]+)\/downloads\/([^/]+)$/,
  /^\/([a-zA-Z0-9._-]+(?:\/[a-zA-Z0-9._-]+)*)\/-\/package_files\/([0-9]+)\/download$/,
];

function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function mcpbUrlFindings(id: string, where: Path): Finding[] {
  const parsed = parseUrlLikeGo(id);
  const url = parsed.ok ? parsed.url : { scheme: "", host: "", hostname: "", path: "" };
  const host = url.host.toLowerCase();
  const out: Finding[] = [];
  if (!MCPB_HOSTS.has(host)) {
    out.push(
      error(
        "package/mcpb-unsupported-host",
        where,
        `MCPB packages must be hosted on allowlisted providers (GitHub or GitLab). Host '${host}' is not allowed`,
        "Attach the .mcpb file to a GitHub or GitLab release and use the asset's download URL.",
      ),
    );
  } else {
    const path = decodePath(url.path);
    const github = host.endsWith("github.com");
    const ok = github ? GITHUB_RELEASE_PATH.test(path) : GITLAB_RELEASE_PATHS.some((re) => re.test(path));
    if (!ok) {
      out.push(
        error(
          "package/mcpb-not-release-asset",
          where,
          github
            ? "GitHub MCPB packages must be release assets following the pattern '/owner/repo/releases/download/tag/filename'"
            : "GitLab MCPB packages must be release assets following patterns '/owner/repo/-/releases/tag/downloads/filename' or '/owner/repo/-/package_files/id/download'",
          "Use the release asset's download URL, not a page, raw file or archive link.",
        ),
      );
    }
  }
  if (url.scheme !== "https") {
    out.push(
      error(
        "package/mcpb-not-https",
        where,
        `invalid MCPB package URL, must use HTTPS: ${id}`,
        "Use the https:// download URL.",
      ),
    );
  }
  if (!id.toLowerCase().includes("mcp")) {
    out.push(
      error(
        "package/mcpb-missing-mcp",
        where,
        `MCPB package URL must contain 'mcp': ${id}`,
        "Name the repository or the asset file so that the URL contains `mcp`, e.g. `server.mcpb`.",
      ),
    );
  }
  return out;
}

const checkMcpbIdentifier = perPackage((pkg, at) => {
  const id = str(pkg, "registryType") === "mcpb" ? nonEmpty(pkg, "identifier") : undefined;
  return id === undefined ? [] : mcpbUrlFindings(id, [...at, "identifier"]);
});

// ---------------------------------------------------------------------------------------------------
// named arguments (runtimeArguments and packageArguments): one parametrized rule

function namedArgumentFindings(arg: Obj, at: Path): Finding[] {
  if (arg["type"] !== "named") return [];
  const name = str(arg, "name");
  if (name === undefined || name === "") {
    return [
      error("argument/name-required", at, "named argument name is required", "Give the flag as `name`, e.g. `--port`."),
    ];
  }
  if (/[<> $]/.test(name)) {
    return [
      error(
        "argument/invalid-name",
        [...at, "name"],
        `invalid named argument name format: ${name}`,
        "The name is the bare flag (e.g. `--port`); put placeholders in `value`/`valueHint` and variables in `variables`.",
      ),
    ];
  }
  const out: Finding[] = [];
  for (const field of ["value", "default"] as const) {
    const v = str(arg, field);
    if (v !== undefined && v.startsWith(name)) {
      out.push(
        error(
          `argument/${field}-starts-with-name`,
          [...at, field],
          `argument ${field} cannot start with the argument name: ${field} ${JSON.stringify(v)} starts with ${JSON.stringify(name)}`,
          `Put only the ${field} in \`${field}\`; the flag \`${name}\` is added from \`name\`.`,
        ),
      );
    }
  }
  return out;
}

const argumentRule = (field: "runtimeArguments" | "packageArguments"): PackageRule =>
  perPackage((pkg, at) =>
    objectsIn(pkg, field).flatMap(({ item, index }) => namedArgumentFindings(item, [...at, field, index])),
  );

// ---------------------------------------------------------------------------------------------------
// environment variables

/**
 * A POSIX shell variable name. Env var names go into the command lines the site offers to copy
 * (`NAME=value npx …`) and into client configs; anything else (`X=$(touch${IFS}pwned)`, a newline) would
 * run as shell code when pasted. `__proto__` matches and is an ordinary name here: nothing in the core
 * keeps env vars in a plain object keyed by name.
 */
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const checkEnvVarNames = perPackage((pkg, at) =>
  objectsIn(pkg, "environmentVariables").flatMap(({ item, index }) => {
    const name = item["name"];
    if (typeof name !== "string" || ENV_VAR_NAME.test(name)) return [];
    return [
      error(
        "env-var/invalid-name",
        [...at, "environmentVariables", index, "name"],
        `environment variable name ${JSON.stringify(name)} is invalid: expected letters, digits and underscores, not starting with a digit ([A-Za-z_][A-Za-z0-9_]*)`,
        "Use a shell-safe name such as `API_KEY`: it is written unquoted into the install command lines users copy.",
      ),
    ];
  }),
);

// ---------------------------------------------------------------------------------------------------
// package transport

const HTTP_TRANSPORTS = new Set(["streamable-http", "sse"]);

/** Names a package transport URL may reference: env var names, argument names and valueHints. */
function packageTemplateNames(pkg: Obj): string[] {
  const names: string[] = [];
  for (const { item } of objectsIn(pkg, "environmentVariables")) {
    const n = str(item, "name");
    if (n !== undefined) names.push(n);
  }
  for (const field of ["runtimeArguments", "packageArguments"]) {
    for (const { item } of objectsIn(pkg, field)) {
      for (const key of ["name", "valueHint"]) {
        const n = str(item, key);
        if (n !== undefined) names.push(n);
      }
    }
  }
  return names;
}

const checkPackageTransport = perPackage((pkg, at) => {
  const transport = pkg["transport"];
  if (!isObj(transport)) return [];
  const type = str(transport, "type");
  if (type === undefined) return [];
  const where = [...at, "transport"];
  const url = str(transport, "url") ?? "";
  if (type === "stdio") {
    return url === ""
      ? []
      : [
          error(
            "transport/stdio-url",
            [...where, "url"],
            `url must be empty for stdio transport type, got: ${url}`,
            "Remove `url`, or use type streamable-http/sse if the package serves HTTP.",
          ),
        ];
  }
  if (!HTTP_TRANSPORTS.has(type)) {
    return [
      error(
        "transport/unsupported-type",
        [...where, "type"],
        `unsupported transport type: ${type}`,
        "Use stdio, streamable-http or sse.",
      ),
    ];
  }
  if (url === "") {
    return [
      error(
        "transport/url-required",
        where,
        `url is required for ${type} transport type`,
        "Add the URL the running package listens on, e.g. http://localhost:{--port}/mcp.",
      ),
    ];
  }
  if (!parseTemplatedHttpUrl(url)) {
    return [
      error(
        "transport/invalid-url",
        [...where, "url"],
        `invalid package transport URL: ${url}`,
        "Use an http:// or https:// URL with a host.",
      ),
    ];
  }
  const available = packageTemplateNames(pkg);
  if (templateVariables(url).every((v) => available.includes(v))) return [];
  return [
    error(
      "transport/undefined-variable",
      [...where, "url"],
      `invalid package transport URL: template variables in URL ${url} reference undefined variables. Available variables: ${goList(available)}`,
      "Each {name} must be an environment variable name, an argument name (e.g. {--port}) or an argument valueHint of this package.",
    ),
  ];
});

// ---------------------------------------------------------------------------------------------------
// remotes

const isLocalHostname = (h: string): boolean => {
  const host = h.toLowerCase();
  return host === "localhost" || host === "127.0.0.1" || host.endsWith(".localhost");
};

const checkRemotes: Rule = (doc) =>
  objectsIn(doc, "remotes").flatMap(({ item: remote, index }) => {
    const at = ["remotes", index];
    const type = str(remote, "type");
    if (type === undefined) return [];
    if (!HTTP_TRANSPORTS.has(type)) {
      return [
        error(
          "remote/unsupported-type",
          [...at, "type"],
          `unsupported transport type for remotes: ${type} (only streamable-http and sse are supported)`,
          "Use streamable-http (or sse); local transports belong in `packages`.",
        ),
      ];
    }
    const url = str(remote, "url") ?? "";
    if (url === "")
      return [
        error(
          "remote/url-required",
          at,
          `url is required for ${type} transport type`,
          "Add the public https URL of the remote server.",
        ),
      ];
    const parsed = parseTemplatedHttpUrl(url);
    if (!parsed || parsed.scheme !== "https" || isLocalHostname(parsed.hostname)) {
      return [
        error(
          "remote/invalid-url",
          [...at, "url"],
          `invalid remote URL: ${url}`,
          "Remotes must be public https URLs; localhost and 127.0.0.1 are not allowed.",
        ),
      ];
    }
    const variables = remote["variables"];
    const available = isObj(variables) ? Object.keys(variables) : [];
    if (templateVariables(url).every((v) => available.includes(v))) return [];
    return [
      error(
        "remote/undefined-variable",
        [...at, "url"],
        `invalid remote URL: template variables in URL ${url} reference undefined variables. Available variables: ${goList(available)}`,
        "Define every {name} used in the URL as a key of this remote's `variables`.",
      ),
    ];
  });

// ---------------------------------------------------------------------------------------------------
// _meta

const MAX_PUBLISHER_META_BYTES = 4096;

/**
 * Byte length of Go's `json.Marshal` of a decoded JSON value: like JSON.stringify, except that Go escapes
 * `<`, `>`, `&` (6 bytes each instead of 1) and U+2028/U+2029 (6 bytes instead of 3). Key order does not
 * change the length.
 */
export function goJsonLength(value: unknown): number {
  const json = JSON.stringify(value) ?? "null";
  let extra = 0;
  for (const ch of json) {
    if (ch === "<" || ch === ">" || ch === "&") extra += 5;
    else if (ch === "\u2028" || ch === "\u2029") extra += 3;
  }
  return utf8Length(json) + extra;
}

function checkMetaKeys(doc: Obj): Finding[] {
  const meta = doc["_meta"];
  if (!isObj(meta)) return [];
  return Object.keys(meta)
    .filter((k) => k !== PUBLISHER_META_KEY)
    .map((k) =>
      error(
        "meta/unknown-key",
        ["_meta", k],
        `_meta key '${k}' is not allowed: only '${PUBLISHER_META_KEY}' is kept`,
        `Move this data under _meta."${PUBLISHER_META_KEY}" or remove it. The official registry silently drops other _meta keys; here the committed file is served as is, so it is refused instead of dropped.`,
      ),
    );
}

function checkPublisherMetaSize(doc: Obj): Finding[] {
  const meta = doc["_meta"];
  if (!isObj(meta) || meta[PUBLISHER_META_KEY] === undefined) return [];
  const size = goJsonLength(meta[PUBLISHER_META_KEY]);
  if (size <= MAX_PUBLISHER_META_BYTES) return [];
  return [
    error(
      "meta/publisher-provided-too-large",
      ["_meta", PUBLISHER_META_KEY],
      `_meta.${PUBLISHER_META_KEY} extension exceeds 4KB limit (${size} bytes)`,
      "Keep publisher-provided metadata under 4096 bytes of compact JSON; link to larger data instead of embedding it.",
    ),
  ];
}

// ---------------------------------------------------------------------------------------------------

/** The package rules about what names the published artifact: type, identifier, version, base URL, hash. */
const PACKAGE_IDENTITY_RULES: readonly PackageRule[] = [
  checkIdentifierSpaces,
  checkRegistryType,
  checkIdentifierRequired,
  checkRegistryBaseUrl,
  checkPackageVersionPresence,
  checkFileSha256Presence,
  checkOciIdentifier,
  checkMcpbIdentifier,
];

/** The rules about one package, in the order upstream applies them. */
const PACKAGE_RULES: readonly PackageRule[] = [
  checkIdentifierSpaces,
  checkPackageVersion,
  argumentRule("runtimeArguments"),
  argumentRule("packageArguments"),
  checkEnvVarNames,
  checkPackageTransport,
  ...PACKAGE_IDENTITY_RULES.slice(1),
];

/**
 * Every rule, in the order upstream applies them (so findings read top to bottom like its errors): these
 * document rules, then each package rule over every package in turn, then AFTER_PACKAGE_RULES.
 */
const RULES: readonly Rule[] = [
  checkServerName,
  checkServerVersion,
  checkRepositoryUrl,
  checkRepositorySubfolder,
  checkWebsiteUrl,
  checkTitle,
  checkIconSources,
];
const AFTER_PACKAGE_RULES: readonly Rule[] = [checkRemotes, checkMetaKeys, checkPublisherMetaSize];

/**
 * The findings of the identity rules for one package (pointers as if it were `packages[index]`). The
 * back-reference checks ask this before going to the network: a package whose identity the offline rules
 * refuse is not looked up, and the reason given is the core's own finding (never a restatement of it).
 */
export function checkPackageIdentity(pkg: unknown, index = 0): Finding[] {
  if (!isObj(pkg)) return [];
  return PACKAGE_IDENTITY_RULES.flatMap((rule) => rule(pkg, ["packages", index], registryTypeOf(pkg)));
}

/** All semantic findings for one (possibly schema-invalid) server.json document. Never throws. */
export function checkServerSemantics(doc: unknown): Finding[] {
  if (!isObj(doc)) return [];
  const out: Finding[] = [];
  for (const rule of RULES) out.push(...rule(doc));
  // The packages, their places and types found once for all the package rules (rules only read them).
  const packages = objectsIn(doc, "packages").map(({ item, index }) => ({
    item,
    at: ["packages", index] as const,
    type: registryTypeOf(item),
  }));
  for (const rule of PACKAGE_RULES) for (const p of packages) out.push(...rule(p.item, p.at, p.type));
  for (const rule of AFTER_PACKAGE_RULES) out.push(...rule(doc));
  return out;
}
