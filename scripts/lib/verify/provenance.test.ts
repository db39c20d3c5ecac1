// Build provenance against loopback npm and PyPI registries serving attestations in their documented
// shapes (npm: /-/npm/v1/attestations, a list of Sigstore bundles; PyPI: the PEP 740 Integrity API),
// signed by a test Sigstore whose root the verifier is given. sigstore-js does the verification.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeServer } from "../../test/fakes/http-server.ts";
import { createTestSigner, type TestSigner } from "../../test/sigstore-fixtures.ts";
import { createHttpClient } from "./http.ts";
import { pathEscape } from "./path-escape.ts";
import { checkProvenance, normaliseRepository, type ProvenanceFact } from "./provenance.ts";
import { createSigstoreVerifier } from "./sigstore.ts";

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
const track = <T extends { close(): Promise<void> }>(x: T) => (closers.push(x), x);

const TARBALL = Buffer.from("the package tarball bytes");
const integrity = `sha512-${createHash("sha512").update(TARBALL).digest("base64")}`;
const sha512hex = createHash("sha512").update(TARBALL).digest("hex");
const WHEEL_SHA = createHash("sha256").update("wheel bytes").digest("hex");

function npmStatement(repo: string, digest = sha512hex) {
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "pkg:npm/@alice/weather@1.0.0", digest: { sha512: digest } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
        externalParameters: {
          workflow: { ref: "refs/tags/v1.0.0", repository: repo, path: ".github/workflows/release.yml" },
        },
      },
      runDetails: { builder: { id: "https://github.com/actions/runner/github-hosted" } },
    },
  };
}

async function npmRegistry(bundle: unknown | undefined) {
  const id = pathEscape("@alice/weather");
  return track(
    await startFakeServer({
      [`/${id}/1.0.0`]: { body: { name: "@alice/weather", version: "1.0.0", dist: { integrity } } },
      ...(bundle === undefined
        ? {}
        : {
            [`/-/npm/v1/attestations/${id}@1.0.0`]: {
              body: {
                attestations: [
                  { predicateType: "https://github.com/npm/attestation/tree/main/specs/publish/v0.1", bundle: {} },
                  { predicateType: "https://slsa.dev/provenance/v1", bundle },
                ],
              },
            },
          }),
    }),
  );
}

const input = (registryType: string, identifier: string, repositoryUrl?: string) => ({
  file: "servers/io.github.alice/weather/1.0.0/server.json",
  serverName: "io.github.alice/weather",
  pkg: {
    registryType,
    identifier,
    ...(registryType === "oci" ? {} : { version: "1.0.0" }),
    transport: { type: "stdio" },
  },
  pointer: "/packages/0",
  ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
});

function deps(signer: TestSigner, base: string) {
  return {
    http: createHttpClient({ retries: 0, timeoutMs: 3000 }),
    sigstore: createSigstoreVerifier(signer.trustedRoot, { ctlogThreshold: 0 }),
    npmBaseUrl: base,
    pypiBaseUrl: base,
  };
}
const factOf = (r: Awaited<ReturnType<typeof checkProvenance>>) => (r?.evidence as { fact: ProvenanceFact }).fact;

describe("npm provenance", () => {
  it("signed provenance from the server's repository passes and says where it was built", async () => {
    const signer = await createTestSigner();
    const bundle = await signer.attest(npmStatement("https://github.com/alice/weather"), {
      repository: "https://github.com/alice/weather",
    });
    const npm = await npmRegistry(bundle);
    const r = await checkProvenance(
      input("npm", "@alice/weather", "https://github.com/Alice/weather.git"),
      deps(signer, npm.url),
    );
    expect(r).toMatchObject({ kind: "provenance", status: "pass", code: "provenance/verified" });
    expect(factOf(r)).toMatchObject({
      status: "verified",
      sourceRepository: "github.com/alice/weather",
      expectedRepository: "github.com/alice/weather",
      artifact: { digest: `sha512:${sha512hex}` },
    });
  });

  it("provenance naming another repository fails, naming both", async () => {
    const signer = await createTestSigner();
    const bundle = await signer.attest(npmStatement("https://github.com/mallory/evil"), {
      repository: "https://github.com/mallory/evil",
    });
    const npm = await npmRegistry(bundle);
    const r = await checkProvenance(
      input("npm", "@alice/weather", "https://github.com/alice/weather"),
      deps(signer, npm.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(r?.message).toContain("github.com/mallory/evil");
    expect(r?.message).toContain("github.com/alice/weather");
  });

  it("a predicate that claims the server's repository while the certificate says another fails", async () => {
    const signer = await createTestSigner();
    const bundle = await signer.attest(npmStatement("https://github.com/alice/weather"), {
      repository: "https://github.com/mallory/evil",
    });
    const npm = await npmRegistry(bundle);
    const r = await checkProvenance(
      input("npm", "@alice/weather", "https://github.com/alice/weather"),
      deps(signer, npm.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(r?.message).toMatch(/certificate says the build ran in github\.com\/mallory\/evil/);
  });

  it("an attestation for another tarball (subject digest) fails", async () => {
    const signer = await createTestSigner();
    const bundle = await signer.attest(npmStatement("https://github.com/alice/weather", "00".repeat(64)), {
      repository: "https://github.com/alice/weather",
    });
    const npm = await npmRegistry(bundle);
    const r = await checkProvenance(
      input("npm", "@alice/weather", "https://github.com/alice/weather"),
      deps(signer, npm.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(r?.message).toMatch(/subject is not this artifact/);
  });

  it("a bundle signed outside the trusted root fails as invalid", async () => {
    const signer = await createTestSigner();
    const stranger = await createTestSigner();
    const bundle = await stranger.attest(npmStatement("https://github.com/alice/weather"), {
      repository: "https://github.com/alice/weather",
    });
    const npm = await npmRegistry(bundle);
    const r = await checkProvenance(
      input("npm", "@alice/weather", "https://github.com/alice/weather"),
      deps(signer, npm.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/invalid" });
  });

  it("no provenance is a fact shown, not a failure", async () => {
    const signer = await createTestSigner();
    const npm = await npmRegistry(undefined);
    const r = await checkProvenance(
      input("npm", "@alice/weather", "https://github.com/alice/weather"),
      deps(signer, npm.url),
    );
    expect(r).toMatchObject({ status: "pass", code: "provenance/missing" });
    expect(npm.requests.map((q) => q.url)).toContain(`/-/npm/v1/attestations/${pathEscape("@alice/weather")}@1.0.0`);
  });

  it("a registry that fails is an error (retry later), not a verdict", async () => {
    const signer = await createTestSigner();
    const down = track(await startFakeServer(() => undefined));
    await down.close();
    const r = await checkProvenance(input("npm", "@alice/weather"), deps(signer, down.url));
    expect(r).toMatchObject({ status: "error", code: "provenance/unavailable" });
  });
});

describe("PyPI provenance (PEP 740)", () => {
  async function pypi(signer: TestSigner, repo: string, digest = WHEEL_SHA) {
    const bundle = (await signer.attest(
      {
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: "weather-1.0.0-py3-none-any.whl", digest: { sha256: digest } }],
        predicateType: "https://docs.pypi.org/attestations/publish/v1",
        predicate: null,
      },
      { repository: repo },
    )) as {
      verificationMaterial: { x509CertificateChain: { certificates: { rawBytes: string }[] }; tlogEntries: unknown[] };
      dsseEnvelope: { payload: string; signatures: { sig: string }[] };
    };
    // The PEP 740 shape: certificate, transparency entries, and the envelope's statement and signature.
    const attestation = {
      version: 1,
      verification_material: {
        certificate: bundle.verificationMaterial.x509CertificateChain.certificates[0]!.rawBytes,
        transparency_entries: bundle.verificationMaterial.tlogEntries,
      },
      envelope: { statement: bundle.dsseEnvelope.payload, signature: bundle.dsseEnvelope.signatures[0]!.sig },
    };
    return track(
      await startFakeServer({
        "/pypi/weather/1.0.0/json": {
          body: { urls: [{ filename: "weather-1.0.0-py3-none-any.whl", digests: { sha256: WHEEL_SHA } }] },
        },
        "/integrity/weather/1.0.0/weather-1.0.0-py3-none-any.whl/provenance": {
          body: {
            version: 1,
            attestation_bundles: [
              {
                publisher: { kind: "GitHub", repository: "alice/weather", workflow: "release.yml" },
                attestations: [attestation],
              },
            ],
          },
        },
      }),
    );
  }

  it("a wheel attested from the server's repository passes", async () => {
    const signer = await createTestSigner();
    const server = await pypi(signer, "https://github.com/alice/weather");
    const r = await checkProvenance(
      input("pypi", "weather", "https://github.com/alice/weather"),
      deps(signer, server.url),
    );
    expect(r).toMatchObject({ status: "pass", code: "provenance/verified" });
    expect(factOf(r)).toMatchObject({ ecosystem: "pypi", artifact: { digest: `sha256:${WHEEL_SHA}` } });
  });

  it("a wheel attested from another repository fails, naming both", async () => {
    const signer = await createTestSigner();
    const server = await pypi(signer, "https://github.com/mallory/weather");
    const r = await checkProvenance(
      input("pypi", "weather", "https://github.com/alice/weather"),
      deps(signer, server.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(r?.message).toMatch(/github\.com\/mallory\/weather.*github\.com\/alice\/weather/);
  });

  it("an attestation for another file hash fails", async () => {
    const signer = await createTestSigner();
    const server = await pypi(signer, "https://github.com/alice/weather", "11".repeat(32));
    const r = await checkProvenance(
      input("pypi", "weather", "https://github.com/alice/weather"),
      deps(signer, server.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/mismatch" });
  });
});

describe("repository normalisation", () => {
  it("treats scheme, git+, .git, case and trailing slashes as the same repository, and other paths as others", () => {
    for (const u of [
      "git+https://github.com/Alice/Weather.git",
      "https://www.github.com/alice/weather/",
      "git@github.com:alice/weather.git",
    ])
      expect(normaliseRepository(u)).toBe("github.com/alice/weather");
    expect(normaliseRepository("https://github.com/alice/weather-fork")).toBe("github.com/alice/weather-fork");
    expect(normaliseRepository("https://gitlab.com/alice/weather")).not.toBe("github.com/alice/weather");
    expect(normaliseRepository("not a url")).toBeUndefined();
  });
});

describe("OCI provenance (cosign attestations)", () => {
  async function registry(signer: TestSigner, repo: string, subject?: string) {
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Labels: {} } }));
    const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
        layers: [],
      }),
    );
    const digest = sha(manifest);
    const bundle = (await signer.attest(
      {
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: "ghcr.io/alice/weather", digest: { sha256: (subject ?? digest).slice(7) } }],
        predicateType: "https://slsa.dev/provenance/v1",
        predicate: { buildDefinition: { externalParameters: { workflow: { repository: repo } } } },
      },
      { repository: repo },
    )) as {
      verificationMaterial: {
        x509CertificateChain: { certificates: { rawBytes: string }[] };
        tlogEntries: {
          logIndex: string;
          logId: { keyId: string };
          integratedTime: string;
          inclusionPromise: { signedEntryTimestamp: string };
          canonicalizedBody: string;
        }[];
      };
      dsseEnvelope: unknown;
    };
    const entry = bundle.verificationMaterial.tlogEntries[0]!;
    const envelope = Buffer.from(JSON.stringify(bundle.dsseEnvelope));
    const attestation = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
        layers: [
          {
            mediaType: "application/vnd.dsse.envelope.v1+json",
            digest: sha(envelope),
            size: envelope.length,
            annotations: {
              "dev.cosignproject.cosign/signature": "",
              "dev.sigstore.cosign/certificate": `-----BEGIN CERTIFICATE-----\n${bundle.verificationMaterial.x509CertificateChain.certificates[0]!.rawBytes}\n-----END CERTIFICATE-----\n`,
              "dev.sigstore.cosign/bundle": JSON.stringify({
                SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
                Payload: {
                  body: entry.canonicalizedBody,
                  integratedTime: Number(entry.integratedTime),
                  logIndex: Number(entry.logIndex),
                  logID: Buffer.from(entry.logId.keyId, "base64").toString("hex"),
                },
              }),
              predicateType: "https://slsa.dev/provenance/v1",
            },
          },
        ],
      }),
    );
    const type = { "content-type": "application/vnd.oci.image.manifest.v1+json" };
    return track(
      await startFakeServer({
        "/v2/alice/weather/manifests/1.0.0": { headers: type, body: manifest },
        [`/v2/alice/weather/manifests/${digest.replace(":", "-")}.att`]: { headers: type, body: attestation },
        [`/v2/alice/weather/blobs/${sha(envelope)}`]: { body: envelope },
        [`/v2/alice/weather/blobs/${sha(config)}`]: { body: config },
      }),
    );
  }
  const ociDeps = (signer: TestSigner, url: string) => ({
    ...deps(signer, url),
    oci: { endpoints: { "ghcr.io": url } },
  });

  it("an image attested from the server's repository passes", async () => {
    const signer = await createTestSigner();
    const server = await registry(signer, "https://github.com/alice/weather");
    const r = await checkProvenance(
      input("oci", "ghcr.io/alice/weather:1.0.0", "https://github.com/alice/weather"),
      ociDeps(signer, server.url),
    );
    expect(r).toMatchObject({ status: "pass", code: "provenance/verified" });
    expect(factOf(r)).toMatchObject({ ecosystem: "oci", sourceRepository: "github.com/alice/weather" });
  });

  it("an image attested from another repository fails naming both; another digest fails", async () => {
    const signer = await createTestSigner();
    const other = await registry(signer, "https://github.com/mallory/weather");
    const r = await checkProvenance(
      input("oci", "ghcr.io/alice/weather:1.0.0", "https://github.com/alice/weather"),
      ociDeps(signer, other.url),
    );
    expect(r).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(r?.message).toMatch(/github\.com\/mallory\/weather.*github\.com\/alice\/weather/);
    const wrong = await registry(signer, "https://github.com/alice/weather", `sha256:${"ab".repeat(32)}`);
    const w = await checkProvenance(
      input("oci", "ghcr.io/alice/weather:1.0.0", "https://github.com/alice/weather"),
      ociDeps(signer, wrong.url),
    );
    expect(w).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(w?.message).toMatch(/subject is not this artifact/);
  });

  it("an image without attestations: provenance missing, a fact", async () => {
    const signer = await createTestSigner();
    const server = track(
      await startFakeServer({
        "/v2/alice/weather/manifests/1.0.0": {
          body: { schemaVersion: 2, config: { digest: `sha256:${"0".repeat(64)}` }, layers: [] },
        },
      }),
    );
    const r = await checkProvenance(input("oci", "ghcr.io/alice/weather:1.0.0"), ociDeps(signer, server.url));
    expect(r).toMatchObject({ status: "pass", code: "provenance/missing" });
  });
});
