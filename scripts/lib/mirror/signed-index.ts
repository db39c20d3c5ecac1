// The signed index: one small document that pins every published file, signed with Ed25519.
//
//   v0.1/x/<ns>/index.json  a JWS (RFC 7515, flattened JSON serialization):
//     {"protected": b64url({"alg":"EdDSA","kid":<kid>,"typ":"mcp-static-registry-index+json"}),
//      "payload": b64url(<payload JSON>), "signature": b64url(Ed25519(protected + "." + payload))}
//     Unsigned builds (no key) write the same without "protected"/"signature"; verifiers reject those.
//   payload: {format, serial, gitCommit, generatedAt, expires,
//             list:    {path: "v0.1/servers.json", sha256},
//             bundle:  {path, sha256, ndjsonSha256, bytes},
//             feed:    {path, sha256, lastSeq},
//             servers: {"<name>": "<sha256 of the server's file manifest>"},
//             files:   {"<path>": "<sha256>"}}
//   v0.1/x/<ns>/keys.json   {"keys":[{kid, alg:"EdDSA", crv:"Ed25519", publicKey:<hex>}]}
//
// Every file the build publishes is pinned, except index.json and keys.json themselves:
//   - the files of one server (everything under v0/servers/<name>/ and v0.1/servers/<name>/: each version in
//     both prefixes and its .json twin, versions.json, versions/index.html, latest) are pinned together by
//     `servers[name]` = sha256 of their manifest, the lines "<sha256>  <path>\n" sorted by path (the format of
//     sha256sum). Deleted-only servers have an entry too (their tombstones are files).
//   - every other file (the lists, health/ping/version, meta.json, the site, the feed, the bundle) is in
//     `files` with its own sha256.
// A flat list of every file would be ~370,000 entries (~45 MB) at 100,000 versions; grouping by server keeps
// the index at one entry per server plus the site's pages (measured in README "Mirroring"). A verifier gets
// a server's paths by rebuilding its files from the bundle (whose sha256 is pinned) with the build's own
// writer, and checks the rebuild against `servers` before trusting it (see mirror.ts, verify-index.ts).
//
// serial is BuildInfo.serial (first-parent commit count: grows with every merge), generatedAt is HEAD's
// commit time and expires = generatedAt + ttlDays, so the tree stays reproducible: Ed25519 signatures are
// deterministic. An idle registry needs a commit (a scheduled heartbeat) before `expires` to stay fresh.
// kid = sha256 (hex) of the 32-byte raw public key.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { errors, flattenedVerify, type FlattenedJWS } from "jose";
import { RefusalError } from "../errors.ts";
import type { RegistryModel } from "../model.ts";
import { INDEX_PATH, KEYS_PATH, sha256Hex, type Pins } from "./pins.ts";
import { stringifyJson } from "../safe-json.ts";

export const INDEX_FORMAT = "mcp-static-registry-index/2";
export { createPinRecorder, groupDigest, INDEX_PATH, KEYS_PATH, pinGroupOf } from "./pins.ts";
const INDEX_TYP = "mcp-static-registry-index+json";
const DEFAULT_TTL_DAYS = 14;

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface IndexPayload {
  readonly format: string;
  readonly serial: number;
  readonly gitCommit: string | null;
  readonly generatedAt: string;
  readonly expires: string;
  readonly list: { readonly path: string; readonly sha256: string };
  readonly bundle: {
    readonly path: string;
    readonly sha256: string;
    readonly ndjsonSha256: string;
    readonly bytes: number;
  };
  readonly feed: { readonly path: string; readonly sha256: string; readonly lastSeq: number };
  readonly servers: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKeyHex: string;
  readonly kid: string;
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString("base64url");

/** A signing key from a 32-byte hex seed (the format of REGISTRY_INDEX_SIGNING_KEY). */
export function signingKeyFromSeed(hexSeed: string): SigningKey {
  const seed = hexSeed.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(seed))
    throw new RefusalError("the index signing key must be 64 hex characters (a 32-byte Ed25519 seed)");
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seed, "hex")]),
    format: "der",
    type: "pkcs8",
  });
  const raw = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length);
  return { privateKey, publicKeyHex: raw.toString("hex"), kid: keyId(raw.toString("hex")) };
}

function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RefusalError("a public key is 64 hex characters (32 bytes, Ed25519)");
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, "hex")]), format: "der", type: "spki" });
}

export const keyId = (publicKeyHex: string): string => sha256Hex(Buffer.from(publicKeyHex.toLowerCase(), "hex"));

/** A fresh key pair (for `npm run sign-index -- --keygen` and tests); never commit the seed. */
export function generateSigningSeed(): { seed: string; publicKeyHex: string; kid: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_PREFIX.length).toString("hex");
  const key = signingKeyFromSeed(seed);
  return { seed, publicKeyHex: key.publicKeyHex, kid: key.kid };
}

export function addDays(rfc3339: string, days: number): string {
  return new Date(Date.parse(rfc3339) + days * 86_400_000).toISOString().replace(".000Z", "Z");
}

export interface IndexInputs {
  readonly model: RegistryModel;
  /** What the pin recorder saw: every published file but index.json and keys.json. */
  readonly pins: Pins;
  readonly bundle: {
    readonly path: string;
    readonly sha256: string;
    readonly ndjsonSha256: string;
    readonly bytes: number;
  };
  readonly feed: { readonly path: string; readonly lastSeq: number };
  readonly ttlDays?: number;
}

const LIST_PATH = "v0.1/servers.json";

export function buildIndexPayload(inputs: IndexInputs): IndexPayload {
  const { model, pins } = inputs;
  const hashOf = (p: string) => {
    const hash = pins.files[p];
    if (hash === undefined) throw new Error(`internal: the index pins ${p}, which the build did not write`);
    return hash;
  };
  return {
    format: INDEX_FORMAT,
    serial: model.info.serial,
    gitCommit: model.info.gitCommit,
    generatedAt: model.info.generatedAt,
    expires: addDays(model.info.generatedAt, inputs.ttlDays ?? DEFAULT_TTL_DAYS),
    list: { path: LIST_PATH, sha256: hashOf(LIST_PATH) },
    bundle: {
      path: inputs.bundle.path,
      sha256: inputs.bundle.sha256,
      ndjsonSha256: inputs.bundle.ndjsonSha256,
      bytes: inputs.bundle.bytes,
    },
    feed: { path: inputs.feed.path, sha256: hashOf(inputs.feed.path), lastSeq: inputs.feed.lastSeq },
    servers: pins.servers,
    files: pins.files,
  };
}

/** index.json (and keys.json when signed). */
export function indexFiles(payload: IndexPayload, key: SigningKey | undefined): Map<string, string> {
  const body = b64url(stringifyJson(payload));
  const files = new Map<string, string>();
  if (!key) {
    files.set(INDEX_PATH, stringifyJson({ payload: body }) + "\n");
    return files;
  }
  const protectedHeader = b64url(stringifyJson({ alg: "EdDSA", kid: key.kid, typ: INDEX_TYP }));
  const signature = b64url(sign(null, Buffer.from(`${protectedHeader}.${body}`), key.privateKey));
  files.set(INDEX_PATH, stringifyJson({ protected: protectedHeader, payload: body, signature }) + "\n");
  files.set(
    KEYS_PATH,
    stringifyJson({ keys: [{ kid: key.kid, alg: "EdDSA", crv: "Ed25519", publicKey: key.publicKeyHex }] }, 1) + "\n",
  );
  return files;
}

/** What a consumer remembers between checks: the newest serial it accepted, and the key it trusts. */
export interface VerifierState {
  readonly serial: number;
  readonly gitCommit: string | null;
  readonly kid?: string;
  readonly publicKey?: string;
}

export type IndexVerdict =
  | { readonly kind: "ok"; readonly payload: IndexPayload; readonly kid: string; readonly state: VerifierState }
  | Rejection;

/**
 * Check index.json: a good Ed25519 signature by one of `publicKeys` (hex), not expired at `now`, and a serial
 * not older than the state's (equal serial must name the same commit). The JWS is checked by jose
 * (`flattenedVerify`): only `alg` EdDSA, and a `crit` naming any extension it does not understand (or a
 * malformed one) is refused before the signature is checked, as RFC 7515 §4.1.11 requires; `typ` must be
 * this index's media type, so a JWS this key signed for another purpose is not taken for an index.
 * Codes: index/malformed, index/unsigned, index/unknown-key, index/unsupported-crit, index/wrong-typ,
 * index/bad-signature, index/expired, index/rollback, index/fork.
 */
export async function verifyIndex(
  bytes: Uint8Array,
  opts: { publicKeys: readonly string[]; now: Date; state?: VerifierState },
): Promise<IndexVerdict> {
  const jws = parseFlattenedJws(bytes);
  if ("kind" in jws) return jws;
  const checked = await checkSignature(jws, opts.publicKeys);
  if (checked.kind === "rejected") return checked;
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(checked.payload));
  } catch {
    return reject("index/malformed", "the payload is not base64url JSON");
  }
  const problem = payloadProblem(payload);
  if (problem) return reject("index/malformed", problem);
  return checkFreshness(payload as IndexPayload, checked.kid, checked.keyHex, opts);
}

type Rejection = { readonly kind: "rejected"; readonly code: string; readonly reason: string };
const reject = (code: string, reason: string): Rejection => ({ kind: "rejected", code, reason });

/** The flattened JWS members, or why index.json is not one this registry signed. */
function parseFlattenedJws(bytes: Uint8Array): FlattenedJWS | Rejection {
  let jws: unknown;
  try {
    jws = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return reject("index/malformed", "index.json is not JSON");
  }
  if (!isObject(jws) || typeof jws["payload"] !== "string")
    return reject("index/malformed", "index.json has no payload");
  if (typeof jws["protected"] !== "string" || typeof jws["signature"] !== "string")
    return reject("index/unsigned", "index.json is not signed (the build had no REGISTRY_INDEX_SIGNING_KEY)");
  if (jws["header"] !== undefined)
    return reject("index/malformed", "index.json has an unprotected header: every header parameter must be signed");
  return { protected: jws["protected"], payload: jws["payload"], signature: jws["signature"] };
}

/** Thrown by the key lookup, so the verdict can name the key that signed. */
class UnknownKey extends Error {}

async function checkSignature(
  jws: FlattenedJWS,
  publicKeys: readonly string[],
): Promise<{ kind: "ok"; payload: Uint8Array; kid: string; keyHex: string } | Rejection> {
  let keyHex = "";
  try {
    const result = await flattenedVerify(
      jws,
      (header) => {
        const found = typeof header.kid === "string" ? publicKeys.find((k) => keyId(k) === header.kid) : undefined;
        if (found === undefined) throw new UnknownKey(String(header.kid));
        keyHex = found;
        return publicKeyFromHex(found);
      },
      { algorithms: ["EdDSA"] },
    );
    if (result.protectedHeader?.typ !== INDEX_TYP)
      return reject(
        "index/wrong-typ",
        `the protected header's typ is ${JSON.stringify(result.protectedHeader?.typ)}, not ${JSON.stringify(INDEX_TYP)}: this JWS is not a registry index`,
      );
    return { kind: "ok", payload: result.payload, kid: result.protectedHeader.kid as string, keyHex };
  } catch (e) {
    return signatureRejection(e, publicKeys);
  }
}

function signatureRejection(e: unknown, publicKeys: readonly string[]): Rejection {
  if (e instanceof UnknownKey)
    return reject(
      "index/unknown-key",
      `signed by key ${e.message}, which is not a trusted key (${publicKeys.map(keyId).join(", ") || "none given"})`,
    );
  if (e instanceof errors.JWSSignatureVerificationFailed)
    return reject("index/bad-signature", "the signature does not match the payload");
  if (e instanceof errors.JOSEAlgNotAllowed)
    return reject("index/malformed", "unsupported alg: only EdDSA (Ed25519) is accepted");
  if (e instanceof errors.JOSENotSupported || (e instanceof errors.JWSInvalid && /"crit"/.test(e.message)))
    return reject("index/unsupported-crit", `the protected header's crit is refused: ${e.message}`);
  if (e instanceof errors.JOSEError) return reject("index/malformed", `not a valid JWS: ${e.message}`);
  throw e;
}

function checkFreshness(
  payload: IndexPayload,
  kid: string,
  keyHex: string,
  opts: { now: Date; state?: VerifierState },
): IndexVerdict {
  const expires = Date.parse(payload.expires);
  if (!Number.isFinite(expires) || expires <= opts.now.getTime())
    return reject(
      "index/expired",
      `the index expired at ${payload.expires} (serial ${payload.serial}); the mirror may be frozen or stale`,
    );
  const seen = opts.state;
  if (seen && payload.serial < seen.serial)
    return reject(
      "index/rollback",
      `serial ${payload.serial} is older than serial ${seen.serial} seen before: refusing a rollback`,
    );
  if (seen && payload.serial === seen.serial && payload.gitCommit !== seen.gitCommit)
    return reject(
      "index/fork",
      `serial ${payload.serial} names commit ${payload.gitCommit}, but ${seen.gitCommit} was seen with the same serial`,
    );
  return {
    kind: "ok",
    payload,
    kid,
    state: { serial: payload.serial, gitCommit: payload.gitCommit, kid, publicKey: keyHex },
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v != null && !Array.isArray(v);
const isHashMap = (v: unknown) => isObject(v) && Object.values(v).every((h) => typeof h === "string" && HEX64.test(h));

/** What is wrong with a decoded payload, or undefined: the shape every consumer relies on. */
function payloadProblem(payload: unknown): string | undefined {
  if (!isObject(payload)) return "the payload is not an object";
  if (payload["format"] !== INDEX_FORMAT)
    return `unknown index format ${JSON.stringify(payload["format"])} (expected ${INDEX_FORMAT})`;
  if (
    !Number.isSafeInteger(payload["serial"]) ||
    typeof payload["expires"] !== "string" ||
    typeof payload["generatedAt"] !== "string"
  )
    return "serial, generatedAt or expires is missing";
  const bundle = payload["bundle"];
  const feed = payload["feed"];
  if (!isObject(bundle) || typeof bundle["sha256"] !== "string" || !HEX64.test(bundle["sha256"]))
    return "bundle.sha256 is missing";
  if (
    !isObject(feed) ||
    typeof feed["sha256"] !== "string" ||
    !HEX64.test(feed["sha256"]) ||
    !Number.isSafeInteger(feed["lastSeq"])
  )
    return "feed.sha256 or feed.lastSeq is missing";
  if (!isHashMap(payload["servers"]) || !isHashMap(payload["files"]))
    return "servers or files is not a map of sha256 hashes";
  return undefined;
}

/**
 * The payload of index.json without checking the signature: for a mirror run without --public-key, which
 * still holds the tree to the index's pins and stated feed range (a consistency check, not a trust one).
 */
export function decodeIndexPayload(
  bytes: Uint8Array,
):
  | { readonly kind: "ok"; readonly payload: IndexPayload }
  | { readonly kind: "rejected"; readonly code: string; readonly reason: string } {
  try {
    const jws = JSON.parse(Buffer.from(bytes).toString("utf8")) as { payload?: unknown };
    if (!isObject(jws) || typeof jws.payload !== "string")
      return { kind: "rejected", code: "index/malformed", reason: "index.json has no payload" };
    const payload = JSON.parse(Buffer.from(jws.payload, "base64url").toString("utf8")) as unknown;
    const problem = payloadProblem(payload);
    return problem
      ? { kind: "rejected", code: "index/malformed", reason: problem }
      : { kind: "ok", payload: payload as IndexPayload };
  } catch {
    return {
      kind: "rejected",
      code: "index/malformed",
      reason: "index.json is not a JWS with a base64url JSON payload",
    };
  }
}
