// The official key records (UPSTREAM §5.4–5.5) and the signatures that prove domain ownership here.
//
//   v=MCPv1; k=ed25519; p=<base64 of the 32-byte raw Ed25519 public key>
//   v=MCPv1; k=ecdsap384; p=<base64 of the 49-byte compressed P-384 point>
//
// Private keys come in the formats the official `mcp-publisher login dns|http --private-key` takes:
// Ed25519 = 64 hex chars (the 32-byte seed), ECDSA P-384 = 96 hex chars (the 48-byte scalar).
// Upstream signs a timestamp; a pull request is asynchronous, so here the signed message is the exact
// bytes of the file being proven (server.json, or status.yaml for a status change). The signature
// scheme is upstream's: Ed25519 over the bytes; ECDSA P-384 over SHA-384 of the bytes, encoded r||s
// (96 bytes). Signatures are lower-case hex.

import {
  ECDH,
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";

export type KeyAlgorithm = "ed25519" | "ecdsap384";

export interface ProofRecord {
  readonly algorithm: string;
  /** Base64 public key as published. */
  readonly publicKey: string;
  /** The record text it came from. */
  readonly text: string;
}

export const RECORD_PATTERN = /v=MCPv1;\s*k=([^;]+);\s*p=([A-Za-z0-9+/=]+)/;

/** One record per string (first match), as upstream's ParseMCPKeysFromStrings does. */
export function parseProofRecords(texts: readonly string[]): ProofRecord[] {
  const out: ProofRecord[] = [];
  for (const text of texts) {
    const m = RECORD_PATTERN.exec(text);
    if (m) out.push({ algorithm: (m[1] as string).trim(), publicKey: m[2] as string, text });
  }
  return out;
}

/** `ed25519:AbCdEfGh`: what upstream prints as the key that was tried. */
export const keyLabel = (r: { algorithm: string; publicKey: string }): string =>
  `${r.algorithm}:${r.publicKey.slice(0, 8)}`;

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const b64url = (b: Buffer) => b.toString("base64url");

function p384PublicJwk(uncompressed: Buffer): { kty: "EC"; crv: "P-384"; x: string; y: string } {
  return { kty: "EC", crv: "P-384", x: b64url(uncompressed.subarray(1, 49)), y: b64url(uncompressed.subarray(49, 97)) };
}

type PublicKeyResult =
  { readonly kind: "ok"; readonly key: KeyObject } | { readonly kind: "invalid"; readonly reason: string };

function importPublicKey(record: { algorithm: string; publicKey: string }): PublicKeyResult {
  const raw = Buffer.from(record.publicKey, "base64");
  try {
    if (record.algorithm === "ed25519") {
      if (raw.length !== 32) return { kind: "invalid", reason: `an ed25519 public key is 32 bytes, got ${raw.length}` };
      return {
        kind: "ok",
        key: createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" }),
      };
    }
    if (record.algorithm === "ecdsap384") {
      if (raw.length !== 49 || (raw[0] !== 2 && raw[0] !== 3))
        return {
          kind: "invalid",
          reason: `an ecdsap384 public key is a 49-byte compressed point, got ${raw.length} bytes`,
        };
      const uncompressed = ECDH.convertKey(raw, "secp384r1", undefined, undefined, "uncompressed") as Buffer;
      return { kind: "ok", key: createPublicKey({ key: p384PublicJwk(uncompressed), format: "jwk" }) };
    }
  } catch (error) {
    return { kind: "invalid", reason: `the public key does not decode: ${(error as Error).message}` };
  }
  return { kind: "invalid", reason: `unsupported key algorithm '${record.algorithm}' (expected ed25519 or ecdsap384)` };
}

export interface PrivateKey {
  readonly algorithm: KeyAlgorithm;
  readonly key: KeyObject;
  /** Base64 public key, as it goes into the record. */
  readonly publicKey: string;
}

export type PrivateKeyResult =
  { readonly kind: "ok"; readonly key: PrivateKey } | { readonly kind: "invalid"; readonly reason: string };

/** The official CLI's private-key formats: 64 hex chars (Ed25519 seed) or 96 (P-384 scalar). */
export function parsePrivateKeyHex(hex: string, algorithm?: KeyAlgorithm): PrivateKeyResult {
  const clean = hex.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]+$/.test(clean)) return { kind: "invalid", reason: "the private key must be hex digits" };
  const alg = algorithm ?? (clean.length === 64 ? "ed25519" : clean.length === 96 ? "ecdsap384" : undefined);
  if (alg === "ed25519") {
    if (clean.length !== 64)
      return {
        kind: "invalid",
        reason: `an Ed25519 private key is a 32-byte seed (64 hex chars), got ${clean.length} hex chars`,
      };
    const key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(clean, "hex")]),
      format: "der",
      type: "pkcs8",
    });
    const spki = createPublicKey(key).export({ format: "der", type: "spki" });
    return { kind: "ok", key: { algorithm: "ed25519", key, publicKey: spki.subarray(-32).toString("base64") } };
  }
  if (alg === "ecdsap384") {
    if (clean.length !== 96)
      return {
        kind: "invalid",
        reason: `an ECDSA P-384 private key is a 48-byte scalar (96 hex chars), got ${clean.length} hex chars`,
      };
    const ecdh = createECDH("secp384r1");
    try {
      ecdh.setPrivateKey(Buffer.from(clean, "hex"));
    } catch (error) {
      return { kind: "invalid", reason: `not a valid P-384 private key: ${(error as Error).message}` };
    }
    const uncompressed = ecdh.getPublicKey();
    const key = createPrivateKey({
      key: { ...p384PublicJwk(uncompressed), d: b64url(Buffer.from(clean, "hex")) },
      format: "jwk",
    });
    return {
      kind: "ok",
      key: { algorithm: "ecdsap384", key, publicKey: ecdh.getPublicKey(null, "compressed").toString("base64") },
    };
  }
  return {
    kind: "invalid",
    reason: `expected 64 hex chars (Ed25519 seed) or 96 hex chars (ECDSA P-384 scalar), got ${clean.length}`,
  };
}

/** Sign the exact bytes; lower-case hex. */
export function signBytes(privateKey: PrivateKey, bytes: Uint8Array): string {
  const signature =
    privateKey.algorithm === "ed25519"
      ? sign(null, bytes, privateKey.key)
      : sign("sha384", bytes, { key: privateKey.key, dsaEncoding: "ieee-p1363" });
  return signature.toString("hex");
}

export function verifyBytes(
  record: { algorithm: string; publicKey: string },
  bytes: Uint8Array,
  signatureHex: string,
): boolean {
  const imported = importPublicKey(record);
  if (imported.kind !== "ok" || !/^[0-9a-fA-F]*$/.test(signatureHex)) return false;
  const signature = Buffer.from(signatureHex, "hex");
  try {
    if (record.algorithm === "ed25519") return signature.length === 64 && verify(null, bytes, imported.key, signature);
    return (
      signature.length === 96 && verify("sha384", bytes, { key: imported.key, dsaEncoding: "ieee-p1363" }, signature)
    );
  } catch {
    return false;
  }
}

/** A new key in the official CLI's format, with the record to publish. */
export function generateKey(algorithm: KeyAlgorithm): { privateKeyHex: string; record: string } {
  if (algorithm === "ed25519") {
    const { privateKey } = generateKeyPairSync("ed25519");
    const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32).toString("hex");
    const parsed = parsePrivateKeyHex(seed, "ed25519") as { kind: "ok"; key: PrivateKey };
    return { privateKeyHex: seed, record: `v=MCPv1; k=ed25519; p=${parsed.key.publicKey}` };
  }
  const ecdh = createECDH("secp384r1");
  ecdh.generateKeys();
  const hex = ecdh.getPrivateKey("hex").padStart(96, "0");
  return {
    privateKeyHex: hex,
    record: `v=MCPv1; k=ecdsap384; p=${ecdh.getPublicKey(null, "compressed").toString("base64")}`,
  };
}
