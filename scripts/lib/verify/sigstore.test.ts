// sigstore-js verification offline: bundles signed by a test CA and log (scripts/test/sigstore-fixtures.ts)
// verify against that root and fail against another root, when tampered, or with a changed statement.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createTestSigner } from "../../test/sigstore-fixtures.ts";
import { createSigstoreVerifier, statementOf } from "./sigstore.ts";

const statement = {
  _type: "https://in-toto.io/Statement/v1",
  subject: [{ name: "pkg:npm/x@1.0.0", digest: { sha512: "ab".repeat(64) } }],
  predicateType: "https://slsa.dev/provenance/v1",
  predicate: {},
};

describe("sigstore verification (offline)", () => {
  it("a bundle from a trusted CA and log verifies and names the source repository from the certificate", async () => {
    const signer = await createTestSigner();
    const bundle = await signer.attest(statement, { repository: "https://github.com/alice/weather" });
    const verdict = createSigstoreVerifier(signer.trustedRoot, { ctlogThreshold: 0 }).verify(bundle);
    expect(verdict).toMatchObject({
      ok: true,
      signer: {
        sourceRepositoryUri: "https://github.com/alice/weather",
        issuer: "https://token.actions.githubusercontent.com",
      },
    });
    expect(statementOf(bundle)?.subject[0]?.digest?.sha512).toBe("ab".repeat(64));
  });

  it("fails against another root, with a changed payload, and without the SCT the public-good policy requires", async () => {
    const signer = await createTestSigner();
    const other = await createTestSigner();
    const bundle = (await signer.attest(statement, { repository: "https://github.com/alice/weather" })) as {
      dsseEnvelope: { payload: string };
    };
    expect(createSigstoreVerifier(other.trustedRoot, { ctlogThreshold: 0 }).verify(bundle)).toMatchObject({
      ok: false,
    });
    const tampered = structuredClone(bundle);
    tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify({ ...statement, predicate: { x: 1 } })).toString(
      "base64",
    );
    expect(createSigstoreVerifier(signer.trustedRoot, { ctlogThreshold: 0 }).verify(tampered)).toMatchObject({
      ok: false,
    });
    expect(createSigstoreVerifier(signer.trustedRoot).verify(bundle)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/SCT/),
    });
  });

  it("the recorded public-good trusted root loads", () => {
    const file = path.resolve(import.meta.dirname, "../../policy/sigstore-trusted-root.json");
    const verifier = createSigstoreVerifier(JSON.parse(fs.readFileSync(file, "utf8")));
    expect(verifier.verify({ mediaType: "nope" })).toMatchObject({ ok: false });
  });
});
