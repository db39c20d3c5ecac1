// Build provenance tied to repository.url. Where a package has provenance (npm's Sigstore attestations,
// PyPI's PEP 740 attestations), check that:
//   1. the Sigstore bundle verifies (sigstore.ts: signature, certificate chain, transparency log, offline);
//   2. the in-toto statement's subject is the exact artifact served (npm: the tarball's sha512 integrity;
//      PyPI: the file's sha256);
//   3. the repository the build ran in (Fulcio's Source Repository URI in the signing certificate, which
//      the CI's OIDC token vouches for, and the predicate's own claim, which must agree) is the server's
//      repository.url, compared after normalisation.
// Missing provenance is a fact shown (the check passes and says so); provenance naming another
// repository, a subject that is not the artifact, or a bundle that does not verify fails the PR check.
//
// The outcome is plain data, a ProvenanceFact per package, that the check's evidence, the receipt and
// the site's "built from" badge carry.

import { createHash } from "node:crypto";
import { check, type CheckResult, type PackageCheckInput } from "./check.ts";
import { bodyJson, describeOutcome, type HttpClient } from "./http.ts";
import { resolveOciImage, type OciDeps, type OciImage } from "./oci.ts";
import { pathEscape } from "./path-escape.ts";
import { statementOf, type SigstoreVerifier, type SignerIdentity, type Statement } from "./sigstore.ts";

type ProvenanceStatus = "verified" | "missing" | "mismatch" | "invalid" | "unavailable";

export interface ProvenanceFact {
  readonly ecosystem: "npm" | "pypi" | "oci";
  readonly identifier: string;
  readonly version: string;
  readonly status: ProvenanceStatus;
  readonly message: string;
  /** The artifact the statement must name: file name and digest (`sha512:<hex>`, `sha256:<hex>`). */
  readonly artifact?: { readonly name: string; readonly digest: string };
  /** Where the attestation was fetched. */
  readonly url?: string;
  readonly predicateType?: string;
  /** The repository the build ran in, as the certificate says (normalised: `github.com/owner/repo`). */
  readonly sourceRepository?: string;
  /** The server's repository.url, normalised; absent when server.json has none. */
  readonly expectedRepository?: string;
  /** The signing workflow (certificate SAN). */
  readonly signer?: string;
}

export interface ProvenanceDeps {
  readonly http: HttpClient;
  readonly sigstore: SigstoreVerifier;
  readonly npmBaseUrl: string;
  readonly pypiBaseUrl: string;
  /** OCI registries (endpoints, timeout); without it OCI images get no provenance check. */
  readonly oci?: Omit<OciDeps, "http">;
}

export interface ProvenanceInput extends PackageCheckInput {
  /** The server's repository.url, when it has one. */
  readonly repositoryUrl?: string;
}

const SLSA_PROVENANCE = /^https:\/\/slsa\.dev\/provenance\//;
const MAX_ATTESTATION_BYTES = 2 * 1024 * 1024;
const MAX_PYPI_FILES = 16;

/**
 * `git+https://GitHub.com/Owner/Repo.git/` → `github.com/owner/repo`. Scheme, `git+`, credentials, a
 * `.git` suffix, trailing slashes and letter case (GitHub and GitLab paths are case-insensitive) are not
 * part of a repository's identity. Undefined for something that is not a URL.
 */
export function normaliseRepository(url: string): string | undefined {
  const trimmed = url.trim().replace(/^git\+/, "");
  const scp = /^git@([^:]+):(.+)$/.exec(trimmed);
  let parsed: URL;
  try {
    parsed = new URL(scp ? `https://${scp[1]}/${scp[2]}` : trimmed);
  } catch {
    return undefined;
  }
  const path = parsed.pathname.replace(/\/+$/, "").replace(/\.git$/, "");
  if (path === "" || path === "/") return undefined;
  return `${parsed.hostname.toLowerCase().replace(/^www\./, "")}${path.toLowerCase()}`;
}

/** The in-toto predicate's own source repository claim (SLSA v1 GitHub Actions / npm, or v0.2). */
function predicateRepository(statement: Statement): string | undefined {
  const p = statement.predicate as
    | {
        buildDefinition?: { externalParameters?: { workflow?: { repository?: unknown } } };
        invocation?: { configSource?: { uri?: unknown } };
      }
    | undefined;
  const v1 = p?.buildDefinition?.externalParameters?.workflow?.repository;
  if (typeof v1 === "string") return v1;
  const v02 = p?.invocation?.configSource?.uri;
  return typeof v02 === "string" ? v02.replace(/@.*$/, "") : undefined;
}

interface Judged {
  readonly status: ProvenanceStatus;
  readonly message: string;
  readonly sourceRepository?: string;
  readonly signer?: string;
}

/**
 * The verdict on one bundle for one artifact: signature first (nothing in an unverified bundle is
 * believed), then the subject, then the repository.
 */
function judgeBundle(
  bundle: unknown,
  sigstore: SigstoreVerifier,
  artifact: { readonly name: string; readonly digest: string },
  expectedRepository: string | undefined,
): Judged {
  const verdict = sigstore.verify(bundle);
  if (!verdict.ok) return { status: "invalid", message: `the Sigstore bundle does not verify: ${verdict.reason}` };
  const statement = statementOf(bundle);
  if (!statement) return { status: "invalid", message: "the signed payload is not an in-toto statement" };
  const [algorithm, hex] = artifact.digest.split(":") as [string, string];
  const named = statement.subject.some((s) => s.digest?.[algorithm]?.toLowerCase() === hex.toLowerCase());
  if (!named)
    return {
      status: "mismatch",
      message: `the attestation's subject is not this artifact: no subject has ${algorithm} ${hex.slice(0, 16)}… (${artifact.name})`,
    };
  return repositoryVerdict(verdict.signer, statement, expectedRepository);
}

function repositoryVerdict(signer: SignerIdentity, statement: Statement, expected: string | undefined): Judged {
  const fromCert = signer.sourceRepositoryUri ? normaliseRepository(signer.sourceRepositoryUri) : undefined;
  const claimed = predicateRepository(statement);
  const fromPredicate = claimed ? normaliseRepository(claimed) : undefined;
  const source = fromCert ?? fromPredicate;
  const who = signer.subjectAlternativeName ? { signer: signer.subjectAlternativeName } : {};
  if (source === undefined) return { status: "invalid", message: "the attestation names no source repository", ...who };
  if (fromCert && fromPredicate && fromCert !== fromPredicate)
    return {
      status: "mismatch",
      message: `the signing certificate says the build ran in ${fromCert} but the provenance claims ${fromPredicate}`,
      sourceRepository: fromCert,
      ...who,
    };
  if (expected !== undefined && source !== expected)
    return {
      status: "mismatch",
      message: `provenance says this package was built from ${source}, but server.json's repository.url is ${expected}`,
      sourceRepository: source,
      ...who,
    };
  return {
    status: "verified",
    message:
      expected === undefined
        ? `built from ${source} (signed provenance; server.json has no repository.url to compare)`
        : `built from ${source}, the server's repository (signed provenance)`,
    sourceRepository: source,
    ...who,
  };
}

/** The provenance check as the verifier reports it: only a contradiction or a forgery fails. */
function provenanceResult(input: ProvenanceInput, fact: ProvenanceFact): CheckResult {
  const status =
    fact.status === "mismatch" || fact.status === "invalid" ? "fail" : fact.status === "unavailable" ? "error" : "pass";
  return check(
    "provenance",
    input.file,
    status,
    `provenance/${fact.status}`,
    `${fact.ecosystem} package '${fact.identifier}'${fact.version === "" ? "" : ` version '${fact.version}'`}: ${fact.message}`,
    { fact },
    { pointer: input.pointer },
  );
}

export async function checkProvenance(input: ProvenanceInput, deps: ProvenanceDeps): Promise<CheckResult | undefined> {
  const type = input.pkg.registryType;
  if (type === "npm") return provenanceResult(input, await npmProvenance(input, deps));
  if (type === "pypi") return provenanceResult(input, await pypiProvenance(input, deps));
  if (type === "oci" && deps.oci) return provenanceResult(input, await ociProvenance(input, deps, deps.oci));
  return undefined;
}

function factBase(input: ProvenanceInput, ecosystem: ProvenanceFact["ecosystem"]) {
  const expected = input.repositoryUrl ? normaliseRepository(input.repositoryUrl) : undefined;
  return {
    ecosystem,
    identifier: input.pkg.identifier,
    version: String(input.pkg.version ?? ""),
    ...(expected === undefined ? {} : { expectedRepository: expected }),
  };
}

/** npm: the version's `dist.integrity` (sha512), then `/-/npm/v1/attestations/<name>@<version>`. */
async function npmProvenance(input: ProvenanceInput, deps: ProvenanceDeps): Promise<ProvenanceFact> {
  const base = factBase(input, "npm");
  const docUrl = `${deps.npmBaseUrl}/${pathEscape(base.identifier)}/${pathEscape(base.version)}`;
  const doc = await fetchJson(deps.http, docUrl);
  if ("problem" in doc) return { ...base, status: "unavailable", message: doc.problem, url: docUrl };
  if ("missing" in doc) return { ...base, status: "missing", message: "the registry has no such version", url: docUrl };
  const integrity = (doc.json as { dist?: { integrity?: unknown } } | undefined)?.dist?.integrity;
  const sha512 = typeof integrity === "string" ? /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity)?.[1] : undefined;
  if (!sha512)
    return {
      ...base,
      status: "missing",
      message: "the registry lists no sha512 integrity to tie provenance to",
      url: docUrl,
    };
  const artifact = {
    name: `pkg:npm/${base.identifier}@${base.version}`,
    digest: `sha512:${Buffer.from(sha512, "base64").toString("hex")}`,
  };
  const url = `${deps.npmBaseUrl}/-/npm/v1/attestations/${pathEscape(base.identifier)}@${pathEscape(base.version)}`;
  const listed = await fetchJson(deps.http, url);
  if ("missing" in listed)
    return { ...base, artifact, url, status: "missing", message: "no provenance published (npm publish --provenance)" };
  if ("problem" in listed) return { ...base, artifact, url, status: "unavailable", message: listed.problem };
  const attestations = (listed.json as { attestations?: unknown } | undefined)?.attestations;
  const slsa = Array.isArray(attestations)
    ? (attestations as { predicateType?: unknown; bundle?: unknown }[]).find(
        (a) => typeof a?.predicateType === "string" && SLSA_PROVENANCE.test(a.predicateType),
      )
    : undefined;
  if (!slsa)
    return {
      ...base,
      artifact,
      url,
      status: "missing",
      message: "npm lists attestations but no SLSA build provenance",
    };
  const judged = judgeBundle(slsa.bundle, deps.sigstore, artifact, base.expectedRepository);
  return { ...base, artifact, url, predicateType: String(slsa.predicateType), ...judged };
}

/** PyPI (PEP 740): each file of the release from the JSON API, then its provenance from the Integrity API. */
async function pypiProvenance(input: ProvenanceInput, deps: ProvenanceDeps): Promise<ProvenanceFact> {
  const base = factBase(input, "pypi");
  const releaseUrl = `${deps.pypiBaseUrl}/pypi/${pathEscape(base.identifier)}/${pathEscape(base.version)}/json`;
  const release = await fetchJson(deps.http, releaseUrl);
  if ("problem" in release) return { ...base, status: "unavailable", message: release.problem, url: releaseUrl };
  if ("missing" in release)
    return { ...base, status: "missing", message: "the registry has no such release", url: releaseUrl };
  const files = pypiFiles(release.json);
  if (files.length === 0)
    return { ...base, status: "missing", message: "the release lists no files with a sha256", url: releaseUrl };
  let last: ProvenanceFact | undefined;
  for (const file of files.slice(0, MAX_PYPI_FILES)) {
    const artifact = { name: file.filename, digest: `sha256:${file.sha256}` };
    const url = `${deps.pypiBaseUrl}/integrity/${pathEscape(base.identifier)}/${pathEscape(base.version)}/${pathEscape(file.filename)}/provenance`;
    const got = await fetchJson(deps.http, url, "application/vnd.pypi.integrity.v1+json");
    if ("missing" in got) continue;
    if ("problem" in got) return { ...base, artifact, url, status: "unavailable", message: got.problem };
    const fact = judgePep740(got.json, artifact, base, url, deps.sigstore);
    if (fact.status !== "verified") return fact; // one bad file is enough to refuse
    last = fact;
  }
  return (
    last ?? { ...base, status: "missing", message: "no file of this release has PEP 740 provenance", url: releaseUrl }
  );
}

function pypiFiles(json: unknown): { filename: string; sha256: string }[] {
  const urls = (json as { urls?: unknown } | undefined)?.urls;
  if (!Array.isArray(urls)) return [];
  return urls.flatMap((u: { filename?: unknown; digests?: { sha256?: unknown } }) =>
    typeof u?.filename === "string" && typeof u.digests?.sha256 === "string" && /^[a-f0-9]{64}$/.test(u.digests.sha256)
      ? [{ filename: u.filename, sha256: u.digests.sha256 }]
      : [],
  );
}

type Pep740Attestation = {
  verification_material?: { certificate?: unknown; transparency_entries?: unknown };
  envelope?: { statement?: unknown; signature?: unknown };
};

/** A PEP 740 provenance object: every attestation of every bundle is converted to a Sigstore bundle and judged. */
function judgePep740(
  json: unknown,
  artifact: { name: string; digest: string },
  base: ReturnType<typeof factBase>,
  url: string,
  sigstore: SigstoreVerifier,
): ProvenanceFact {
  const bundles = (json as { attestation_bundles?: unknown } | undefined)?.attestation_bundles;
  const attestations = Array.isArray(bundles)
    ? bundles.flatMap((b: { attestations?: unknown }) =>
        Array.isArray(b?.attestations) ? (b.attestations as Pep740Attestation[]) : [],
      )
    : [];
  if (attestations.length === 0)
    return { ...base, artifact, url, status: "missing", message: "the provenance object holds no attestation" };
  let verified: ProvenanceFact | undefined;
  for (const a of attestations) {
    const bundle = pep740Bundle(a);
    if (!bundle)
      return { ...base, artifact, url, status: "invalid", message: "an attestation is not in the PEP 740 shape" };
    const statement = statementOf(bundle);
    const judged = judgeBundle(bundle, sigstore, artifact, base.expectedRepository);
    if (judged.status !== "verified") return { ...base, artifact, url, ...judged };
    verified = {
      ...base,
      artifact,
      url,
      ...judged,
      ...(statement?.predicateType ? { predicateType: statement.predicateType } : {}),
    };
  }
  return verified as ProvenanceFact;
}

/** PEP 740 attestation → Sigstore bundle (v0.3 with an inclusion proof, else v0.1), as pypi-attestations does. */
function pep740Bundle(a: Pep740Attestation): unknown {
  const cert = a.verification_material?.certificate;
  const entries = a.verification_material?.transparency_entries;
  const statement = a.envelope?.statement;
  const signature = a.envelope?.signature;
  if (
    typeof cert !== "string" ||
    !Array.isArray(entries) ||
    typeof statement !== "string" ||
    typeof signature !== "string"
  )
    return undefined;
  const hasProof = entries.every((e: { inclusionProof?: unknown }) => e?.inclusionProof !== undefined);
  return {
    mediaType: `application/vnd.dev.sigstore.bundle${hasProof ? ".v0.3+json" : "+json;version=0.1"}`,
    verificationMaterial: {
      ...(hasProof
        ? { certificate: { rawBytes: cert } }
        : { x509CertificateChain: { certificates: [{ rawBytes: cert }] } }),
      tlogEntries: entries,
    },
    dsseEnvelope: {
      payload: statement,
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: signature, keyid: "" }],
    },
  };
}

type Fetched = { readonly json: unknown } | { readonly missing: true } | { readonly problem: string };

async function fetchJson(http: HttpClient, url: string, accept = "application/json"): Promise<Fetched> {
  const outcome = await http.request(url, { headers: { Accept: accept }, maxBodyBytes: MAX_ATTESTATION_BYTES });
  if (outcome.kind === "response" && outcome.status === 404) return { missing: true };
  if (outcome.kind !== "response" || outcome.status !== 200)
    return { problem: `could not fetch ${url}: ${describeOutcome(outcome)}. Likely transient, retry later` };
  const json = bodyJson(outcome.body);
  return json === undefined ? { problem: `${url} did not answer JSON` } : { json };
}

const COSIGN_DSSE = "application/vnd.dsse.envelope.v1+json";

interface CosignLayer {
  readonly mediaType?: string;
  readonly digest?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * OCI (cosign): the attestations cosign attaches to an image digest, at the tag `sha256-<hex>.att`: an
 * image manifest whose layers are DSSE envelopes, each annotated with its signing certificate and its
 * Rekor bundle (signed entry timestamp). The statement's subject must be the image (index or manifest
 * digest).
 */
async function ociProvenance(
  input: ProvenanceInput,
  deps: ProvenanceDeps,
  oci: Omit<OciDeps, "http">,
): Promise<ProvenanceFact> {
  const base = factBase(input, "oci");
  const resolved = await resolveOciImage(input, { ...oci, http: deps.http });
  if (resolved.kind === "stop")
    return {
      ...base,
      status: resolved.result.status === "error" ? "unavailable" : "missing",
      message: resolved.result.message,
    };
  for (const digest of resolved.image.digests) {
    const artifact = { name: input.pkg.identifier, digest };
    const tag = `${digest.replace(":", "-")}.att`;
    const manifest = await resolved.image.manifest(tag);
    if (manifest.kind === "missing") continue;
    if (manifest.kind === "error") return { ...base, artifact, status: "unavailable", message: manifest.message };
    return judgeCosign(manifest.body, resolved.image, artifact, base, deps.sigstore);
  }
  return { ...base, status: "missing", message: "no cosign attestation is attached to the image" };
}

async function judgeCosign(
  manifestBytes: Uint8Array,
  image: OciImage,
  artifact: { name: string; digest: string },
  base: ReturnType<typeof factBase>,
  sigstore: SigstoreVerifier,
): Promise<ProvenanceFact> {
  const layers = ((bodyJson(manifestBytes) as { layers?: unknown } | undefined)?.layers ?? []) as CosignLayer[];
  const slsa = Array.isArray(layers)
    ? layers.filter((l) => l?.mediaType === COSIGN_DSSE && SLSA_PROVENANCE.test(l.annotations?.predicateType ?? ""))
    : [];
  if (slsa.length === 0)
    return { ...base, artifact, status: "missing", message: "the image's attestations hold no SLSA build provenance" };
  let verified: ProvenanceFact | undefined;
  for (const layer of slsa.slice(0, 8)) {
    const blob = typeof layer.digest === "string" ? await image.blob(layer.digest) : { kind: "missing" as const };
    if (blob.kind !== "ok")
      return {
        ...base,
        artifact,
        status: blob.kind === "error" ? "unavailable" : "invalid",
        message: blob.kind === "error" ? blob.message : "an attestation layer is missing",
      };
    if (`sha256:${createHash("sha256").update(blob.body).digest("hex")}` !== layer.digest)
      return {
        ...base,
        artifact,
        status: "invalid",
        message: `an attestation layer does not match its digest ${layer.digest}`,
      };
    const bundle = cosignBundle(layer, blob.body);
    if (!bundle) return { ...base, artifact, status: "invalid", message: "an attestation is not in cosign's shape" };
    const judged = judgeBundle(bundle, sigstore, artifact, base.expectedRepository);
    if (judged.status !== "verified") return { ...base, artifact, ...judged };
    verified = { ...base, artifact, predicateType: layer.annotations?.predicateType ?? "", ...judged };
  }
  return verified as ProvenanceFact;
}

/** A cosign attestation layer (DSSE envelope + certificate and Rekor bundle annotations) as a Sigstore bundle v0.1. */
function cosignBundle(layer: CosignLayer, envelopeBytes: Uint8Array): unknown {
  const pem = layer.annotations?.["dev.sigstore.cosign/certificate"];
  const rekorText = layer.annotations?.["dev.sigstore.cosign/bundle"];
  const envelope = bodyJson(envelopeBytes);
  if (typeof pem !== "string" || typeof rekorText !== "string" || typeof envelope !== "object" || envelope == null)
    return undefined;
  const der = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1]?.replace(/\s+/g, "");
  let rekor: {
    SignedEntryTimestamp?: unknown;
    Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown };
  };
  try {
    rekor = JSON.parse(rekorText) as typeof rekor;
  } catch {
    return undefined;
  }
  const p = rekor.Payload;
  if (
    !der ||
    typeof rekor.SignedEntryTimestamp !== "string" ||
    typeof p?.body !== "string" ||
    typeof p.logID !== "string"
  )
    return undefined;
  let kind: { kind?: unknown; apiVersion?: unknown };
  try {
    kind = JSON.parse(Buffer.from(p.body, "base64").toString("utf8")) as typeof kind;
  } catch {
    return undefined;
  }
  return {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: der }] },
      tlogEntries: [
        {
          logIndex: String(p.logIndex),
          logId: { keyId: Buffer.from(p.logID, "hex").toString("base64") },
          kindVersion: { kind: String(kind.kind), version: String(kind.apiVersion) },
          integratedTime: String(p.integratedTime),
          inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
          canonicalizedBody: p.body,
        },
      ],
    },
    dsseEnvelope: envelope,
  };
}
