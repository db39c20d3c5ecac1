// OCI back-reference: the image config's label `io.modelcontextprotocol.server.name` equals the server
// name (UPSTREAM §4.5, internal/validators/registries/oci.go). The official registry uses
// go-containerregistry's remote.Image with anonymous auth; this is the same flow by hand:
//   manifest GET → 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` → anonymous token →
//   manifest GET again → an index / manifest list is resolved to one manifest (linux/amd64 first, as
//   remote.Image does) → config blob → labels. Digests are checked on the way, so the evidence names
//   exactly the bytes that were looked at.

import { createHash } from "node:crypto";
import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { parseOciReference } from "../rules.ts";
import { bodyJson, describeOutcome, type HttpClient, type HttpOutcome } from "./http.ts";
import { packagePrecondition } from "./preconditions.ts";

const OCI_LABEL = "io.modelcontextprotocol.server.name";

export interface OciDeps {
  readonly http: HttpClient;
  /** Registry host (as in the reference, e.g. `docker.io`, `ghcr.io`) → base URL override. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Per request; upstream allows 30 s for the whole image fetch. Default: the HTTP client's. */
  readonly timeoutMs?: number;
}

const DOCKER_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function registryBase(registry: string, endpoints: Readonly<Record<string, string>>): string {
  if (DOCKER_HOSTS.has(registry)) {
    for (const alias of ["docker.io", "index.docker.io", "registry-1.docker.io"]) {
      const configured = endpoints[alias];
      if (configured) return configured;
    }
    return "https://registry-1.docker.io";
  }
  return endpoints[registry] ?? `https://${registry}`;
}

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
export function parseBearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^\s*bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.replace(/^\s*bearer\s+/i, "").matchAll(/([a-zA-Z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    params[(m[1] as string).toLowerCase()] = m[2] ?? m[3] ?? "";
  }
  return params;
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

type Step = { kind: "ok"; outcome: Extract<HttpOutcome, { kind: "response" }> } | { kind: "stop"; result: CheckResult };
type Result = ReturnType<typeof resultFor>;
type Ref = Extract<ReturnType<typeof parseOciReference>, { ok: true }>["ref"];
/** What every step of one image's check shares. */
interface Ctx {
  readonly id: string;
  readonly ref: Ref;
  readonly base: string;
  readonly result: Result;
  readonly evidence: Record<string, unknown>;
  readonly get: (url: string, accept?: string) => Promise<Step>;
}

export async function verifyOciPackage(input: PackageCheckInput, deps: OciDeps): Promise<CheckResult> {
  const ctx = ociContext(input, deps);
  if ("status" in ctx) return ctx;
  const image = await resolveImageManifest(ctx);
  if (image.kind === "stop") return image.result;
  const label = await readConfigLabel(ctx, image.manifest);
  if (label.kind === "stop") return label.result;
  return judgeLabel(ctx, input.serverName, image.digest, label.label);
}

type OciFetched =
  | { readonly kind: "ok"; readonly body: Uint8Array }
  | { readonly kind: "missing" }
  | { readonly kind: "error"; readonly message: string };

export interface OciImage {
  /** The digests a signature or attestation may name: the index's (when there is one), then the image's. */
  readonly digests: readonly string[];
  manifest(reference: string): Promise<OciFetched>;
  blob(digest: string): Promise<OciFetched>;
}

/** The image a reference names, resolved as the label check resolves it, for checks that need its digests. */
export async function resolveOciImage(
  input: PackageCheckInput,
  deps: OciDeps,
): Promise<{ kind: "ok"; image: OciImage } | { kind: "stop"; result: CheckResult }> {
  const ctx = ociContext(input, deps);
  if ("status" in ctx) return { kind: "stop", result: ctx };
  const resolved = await resolveImageManifest(ctx);
  if (resolved.kind === "stop") return resolved;
  const fetched = async (url: string, accept?: string): Promise<OciFetched> => {
    const step = await ctx.get(url, accept);
    if (step.kind === "ok") return { kind: "ok", body: step.outcome.body };
    return step.result.code === "oci/not-found" ? { kind: "missing" } : { kind: "error", message: step.result.message };
  };
  const index = ctx.evidence.indexDigest;
  return {
    kind: "ok",
    image: {
      digests: typeof index === "string" ? [index, resolved.digest] : [resolved.digest],
      manifest: (reference) => fetched(`${ctx.base}/v2/${ctx.ref.repository}/manifests/${reference}`, MANIFEST_ACCEPT),
      blob: (digest) => fetched(`${ctx.base}/v2/${ctx.ref.repository}/blobs/${digest}`),
    },
  };
}

/** The offline preconditions, the parsed reference and the registry to ask; or the failure. */
function ociContext(input: PackageCheckInput, deps: OciDeps): Ctx | CheckResult {
  const result = resultFor("oci", input);
  const id = input.pkg.identifier;
  // The offline rules (identifier, forbidden fields, the reference, the allowlist) are the core's.
  const pre = packagePrecondition(input.pkg);
  if (pre) return result("fail", "oci/precondition", pre, { identifier: id });
  const parsed = parseOciReference(id);
  if (!parsed.ok)
    return result("fail", "oci/precondition", `invalid OCI reference: ${parsed.error}`, { identifier: id });
  const ref = parsed.ref;
  const evidence: Record<string, unknown> = {
    identifier: id,
    registry: ref.registry,
    repository: ref.repository,
    ...(ref.tag ? { tag: ref.tag } : {}),
  };
  const partial = { id, ref, base: registryBase(ref.registry, deps.endpoints), result, evidence };
  return { ...partial, get: anonymousGetter(partial, deps) };
}

/** An outcome that is not a 200, as the check's result (the official messages). */
function failureOf(ctx: Omit<Ctx, "get">, outcome: HttpOutcome): CheckResult {
  const { id, result, evidence } = ctx;
  if (outcome.kind !== "response") {
    const timeout = outcome.kind === "timeout";
    return result(
      "error",
      timeout ? "oci/timeout" : "oci/unavailable",
      timeout
        ? `OCI registry did not answer in time while validating '${id}' (${describeOutcome(outcome)}); please retry shortly`
        : `failed to fetch OCI image '${id}': ${describeOutcome(outcome)}; please retry shortly`,
      evidence,
    );
  }
  const s = outcome.status;
  if (s === 404)
    return result("fail", "oci/not-found", `OCI image '${id}' does not exist in the registry`, {
      ...evidence,
      status: s,
    });
  if (s === 401 || s === 403)
    return result(
      "fail",
      "oci/private",
      `OCI image '${id}' is private or requires authentication. Only public images are supported`,
      { ...evidence, status: s },
    );
  if (s === 429)
    return result(
      "error",
      "oci/rate-limited",
      `OCI registry is currently rate-limiting validations for '${id}'; please retry shortly`,
      { ...evidence, status: s },
    );
  return result(
    s >= 500 ? "error" : "fail",
    "oci/unavailable",
    `failed to fetch OCI image '${id}': registry answered status ${s}`,
    { ...evidence, status: s },
  );
}

/** GET with the anonymous token dance on the first 401 (the token is kept for the later requests). */
function anonymousGetter(ctx: Omit<Ctx, "get">, deps: OciDeps): Ctx["get"] {
  let token: string | undefined;
  const fetchOnce = (url: string, accept?: string) =>
    deps.http.request(url, {
      headers: { ...(accept ? { Accept: accept } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      maxBodyBytes: 4 * 1024 * 1024,
      ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
    });
  return async (url, accept) => {
    let outcome = await fetchOnce(url, accept);
    if (outcome.kind === "response" && outcome.status === 401 && token === undefined) {
      const challenge = parseBearerChallenge(outcome.headers.get("www-authenticate"));
      if (challenge?.realm) {
        const got = await anonymousToken(ctx, deps, challenge);
        if (typeof got !== "string") return got;
        token = got;
        outcome = await fetchOnce(url, accept);
      }
    }
    if (outcome.kind !== "response" || outcome.status !== 200) return { kind: "stop", result: failureOf(ctx, outcome) };
    return { kind: "ok", outcome };
  };
}

/** The registry's token endpoint, asked anonymously for pull access to the repository. */
async function anonymousToken(
  ctx: Omit<Ctx, "get">,
  deps: OciDeps,
  challenge: Record<string, string>,
): Promise<string | Step> {
  const tokenUrl = new URL(challenge.realm as string);
  if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
  tokenUrl.searchParams.set("scope", challenge.scope || `repository:${ctx.ref.repository}:pull`);
  const tokenOutcome = await deps.http.request(tokenUrl.href, { headers: { Accept: "application/json" } });
  if (tokenOutcome.kind !== "response" || tokenOutcome.status !== 200)
    return { kind: "stop", result: failureOf(ctx, tokenOutcome) };
  const body = bodyJson(tokenOutcome.body) as { token?: unknown; access_token?: unknown } | undefined;
  const t =
    typeof body?.token === "string"
      ? body.token
      : typeof body?.access_token === "string"
        ? body.access_token
        : undefined;
  if (t) return t;
  return {
    kind: "stop",
    result: ctx.result(
      "error",
      "oci/bad-response",
      `OCI registry token endpoint for '${ctx.id}' returned no token`,
      ctx.evidence,
    ),
  };
}

type ImageStep = { kind: "ok"; manifest: Manifest | undefined; digest: string } | { kind: "stop"; result: CheckResult };

/**
 * The manifest the reference names, its digest checked; an index / manifest list is resolved to one
 * image (linux/amd64 first, as remote.Image does) whose digest is checked too.
 */
async function resolveImageManifest(ctx: Ctx): Promise<ImageStep> {
  const { id, ref, result, evidence } = ctx;
  const manifestUrl = (reference: string) => `${ctx.base}/v2/${ref.repository}/manifests/${reference}`;
  // go-containerregistry's default tag when neither a tag nor a digest is written.
  const first = await ctx.get(manifestUrl(ref.digest ?? ref.tag ?? "latest"), MANIFEST_ACCEPT);
  if (first.kind === "stop") return first;
  let manifestDigest = sha256(first.outcome.body);
  if (ref.digest && ref.digest !== manifestDigest) {
    return {
      kind: "stop",
      result: result(
        "fail",
        "oci/digest-mismatch",
        `OCI image '${id}': the registry served a manifest with digest ${manifestDigest}, not ${ref.digest}`,
        evidence,
      ),
    };
  }
  let manifest = bodyJson(first.outcome.body) as Manifest | undefined;
  if (manifest && Array.isArray(manifest.manifests)) {
    const chosen = pickPlatform(manifest.manifests);
    if (!chosen)
      return {
        kind: "stop",
        result: result("fail", "oci/no-image", `OCI image '${id}' is an index without a runnable image manifest`, {
          ...evidence,
          indexDigest: manifestDigest,
        }),
      };
    evidence.indexDigest = manifestDigest;
    evidence.platform = chosen.platform
      ? `${chosen.platform.os}/${chosen.platform.architecture}${chosen.platform.variant ? `/${chosen.platform.variant}` : ""}`
      : "unspecified";
    const next = await ctx.get(manifestUrl(chosen.digest), MANIFEST_ACCEPT);
    if (next.kind === "stop") return next;
    manifestDigest = sha256(next.outcome.body);
    if (manifestDigest !== chosen.digest) {
      return {
        kind: "stop",
        result: result(
          "fail",
          "oci/digest-mismatch",
          `OCI image '${id}': the registry served a manifest with digest ${manifestDigest}, not ${chosen.digest}`,
          evidence,
        ),
      };
    }
    manifest = bodyJson(next.outcome.body) as Manifest | undefined;
  }
  evidence.manifestDigest = manifestDigest;
  return { kind: "ok", manifest, digest: manifestDigest };
}

type LabelStep = { kind: "ok"; label: unknown } | { kind: "stop"; result: CheckResult };

/** The image config blob (its digest checked) and the label in it. */
async function readConfigLabel(ctx: Ctx, manifest: Manifest | undefined): Promise<LabelStep> {
  const { id, result, evidence } = ctx;
  const configDigest = manifest?.config?.digest;
  if (typeof configDigest !== "string" || !DIGEST.test(configDigest)) {
    return {
      kind: "stop",
      result: result(
        "error",
        "oci/bad-response",
        `failed to get image config: the manifest of '${id}' has no config digest`,
        evidence,
      ),
    };
  }
  evidence.configDigest = configDigest;
  const blob = await ctx.get(`${ctx.base}/v2/${ctx.ref.repository}/blobs/${configDigest}`);
  if (blob.kind === "stop") return blob;
  if (sha256(blob.outcome.body) !== configDigest) {
    return {
      kind: "stop",
      result: result(
        "fail",
        "oci/digest-mismatch",
        `OCI image '${id}': the config blob does not match its digest ${configDigest}`,
        evidence,
      ),
    };
  }
  const config = bodyJson(blob.outcome.body) as { config?: { Labels?: Record<string, unknown> | null } } | undefined;
  const labels = config?.config?.Labels ?? undefined;
  return { kind: "ok", label: labels ? labels[OCI_LABEL] : undefined };
}

/** The verdict: the label must name the server (the official messages). */
function judgeLabel(ctx: Ctx, serverName: string, manifestDigest: string, label: unknown): CheckResult {
  const { id, result } = ctx;
  const seen = { ...ctx.evidence, label: typeof label === "string" ? label : null };
  if (typeof label !== "string") {
    return result(
      "fail",
      "oci/label-missing",
      `OCI image '${id}' is missing required annotation. Add this to your Dockerfile: LABEL ${OCI_LABEL}="${serverName}"`,
      seen,
    );
  }
  if (label !== serverName) {
    return result(
      "fail",
      "oci/label-mismatch",
      `OCI image ownership validation failed. Expected annotation '${OCI_LABEL}' = '${serverName}', got '${label}'`,
      seen,
    );
  }
  return result("pass", "oci/ok", `OCI image '${id}' (${manifestDigest}) carries ${OCI_LABEL}=${label}`, seen);
}

interface Descriptor {
  readonly digest: string;
  readonly mediaType?: string;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}
interface Manifest {
  readonly manifests?: readonly Descriptor[];
  readonly config?: { readonly digest?: unknown };
}

function pickPlatform(manifests: readonly unknown[]): Descriptor | undefined {
  const descriptors = manifests.filter(
    (m): m is Descriptor =>
      typeof m === "object" &&
      m != null &&
      typeof (m as Descriptor).digest === "string" &&
      DIGEST.test((m as Descriptor).digest),
  );
  // Attestations (buildx provenance) are listed with platform unknown/unknown.
  const images = descriptors.filter((d) => d.platform?.os !== "unknown");
  return images.find((d) => d.platform?.os === "linux" && d.platform.architecture === "amd64") ?? images[0];
}
