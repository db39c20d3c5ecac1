// A test Sigstore: a Fulcio-like CA and a Rekor-like log key minted at test time, a trusted root naming
// them, and DSSE-signed in-toto statements wrapped as Sigstore bundles (v0.1: certificate chain, dsse
// 0.0.1 log entry, signed entry timestamp) exactly in the shapes sigstore-js verifies. The verifier under
// test is the real one (@sigstore/verify); only the root of trust is ours, so tests can sign statements
// that name any repository or digest. Certificates carry Fulcio's OIDs (issuer, source repository).
// Built with @peculiar/x509 (a dev dependency): Node cannot issue X.509 certificates by itself.

import "reflect-metadata";
import { createHash, createPrivateKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
const OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12";
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString("base64");
const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest();

/** DER UTF8String, as Fulcio's v2 extensions encode their values. */
function utf8String(text: string): ArrayBuffer {
  const value = Buffer.from(text, "utf8");
  const length = value.length < 128 ? [value.length] : [0x81, value.length];
  const der = Buffer.concat([Buffer.from([0x0c, ...length]), value]);
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** RFC 8785-style canonical JSON for the flat values Rekor signs (strings, integers, nested objects). */
function canonical(value: unknown): string {
  if (value == null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/** DSSE pre-authentication encoding. */
function pae(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
}

export interface TestSigner {
  /** The trusted root JSON that makes this CA and log trusted. */
  readonly trustedRoot: unknown;
  /** A bundle over the statement, signed by a fresh leaf certificate for `repository`. */
  attest(statement: unknown, identity: { readonly repository: string; readonly workflow?: string }): Promise<unknown>;
}

export async function createTestSigner(): Promise<TestSigner> {
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "O=test, CN=test-fulcio",
    notBefore: new Date("2020-01-01T00:00:00Z"),
    notAfter: new Date("2100-01-01T00:00:00Z"),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const rekor = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const rekorSpki = rekor.publicKey.export({ type: "spki", format: "der" });
  const logId = sha256(rekorSpki);
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: "https://rekor.test",
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: b64(rekorSpki),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: { start: "2020-01-01T00:00:00Z" },
        },
        logId: { keyId: b64(logId) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: "test", commonName: "test-fulcio" },
        uri: "https://fulcio.test",
        certChain: { certificates: [{ rawBytes: b64(new Uint8Array(ca.rawData)) }] },
        validFor: { start: "2020-01-01T00:00:00Z" },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
  let logIndex = 0;

  async function leaf(repository: string, workflow: string): Promise<{ der: Buffer; key: KeyObject }> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (++logIndex).toString(16).padStart(2, "0"),
      subject: "",
      issuer: ca.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * 60_000),
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.3"]),
        new x509.SubjectAlternativeNameExtension([{ type: "url", value: `${repository}/${workflow}` }], true),
        new x509.Extension(OID_ISSUER_V2, false, utf8String("https://token.actions.githubusercontent.com")),
        new x509.Extension(OID_SOURCE_REPOSITORY_URI, false, utf8String(repository)),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
    return { der: Buffer.from(cert.rawData), key: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }) };
  }

  return {
    trustedRoot,
    async attest(statement, identity) {
      const { der, key } = await leaf(
        identity.repository,
        identity.workflow ?? ".github/workflows/release.yml@refs/tags/v1",
      );
      const payloadType = "application/vnd.in-toto+json";
      const payload = Buffer.from(JSON.stringify(statement));
      const signature = sign("sha256", pae(payloadType, payload), key);
      const envelope = { payload: b64(payload), payloadType, signatures: [{ sig: b64(signature), keyid: "" }] };
      const pem = `-----BEGIN CERTIFICATE-----\n${b64(der)}\n-----END CERTIFICATE-----\n`;
      const body = {
        apiVersion: "0.0.1",
        kind: "dsse",
        spec: {
          envelopeHash: { algorithm: "sha256", value: sha256(JSON.stringify(envelope)).toString("hex") },
          payloadHash: { algorithm: "sha256", value: sha256(payload).toString("hex") },
          signatures: [{ signature: b64(signature), verifier: b64(pem) }],
        },
      };
      const canonicalizedBody = b64(canonical(body));
      const integratedTime = Math.floor(Date.now() / 1000);
      const index = ++logIndex;
      const set = sign(
        "sha256",
        Buffer.from(
          canonical({ body: canonicalizedBody, integratedTime, logIndex: index, logID: logId.toString("hex") }),
        ),
        rekor.privateKey,
      );
      return {
        mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
        verificationMaterial: {
          x509CertificateChain: { certificates: [{ rawBytes: b64(der) }] },
          tlogEntries: [
            {
              logIndex: String(index),
              logId: { keyId: b64(logId) },
              kindVersion: { kind: "dsse", version: "0.0.1" },
              integratedTime: String(integratedTime),
              inclusionPromise: { signedEntryTimestamp: b64(set) },
              canonicalizedBody,
            },
          ],
        },
        dsseEnvelope: envelope,
      };
    },
  };
}
