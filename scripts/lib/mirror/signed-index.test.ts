import { describe, expect, it } from "vitest";
import {
  addDays,
  createPinRecorder,
  decodeIndexPayload,
  generateSigningSeed,
  groupDigest,
  INDEX_PATH,
  indexFiles,
  keyId,
  KEYS_PATH,
  pinGroupOf,
  signingKeyFromSeed,
  verifyIndex,
  type IndexPayload,
} from "./signed-index.ts";
import { sign } from "node:crypto";
import { FlattenedSign } from "jose";
import { sha256Hex } from "./feed.ts";
import { stringifyJson } from "../safe-json.ts";

const key = generateSigningSeed();
const payload = (serial: number, gitCommit = `c${serial}`): IndexPayload => ({
  format: "mcp-static-registry-index/2",
  serial,
  gitCommit,
  generatedAt: "2026-01-01T00:00:00Z",
  expires: addDays("2026-01-01T00:00:00Z", 14),
  list: { path: "v0.1/servers.json", sha256: "0".repeat(64) },
  bundle: { path: "b", sha256: "1".repeat(64), ndjsonSha256: "2".repeat(64), bytes: 3 },
  feed: { path: "f", sha256: "3".repeat(64), lastSeq: 9 },
  servers: { "io.github.aa/bb": "4".repeat(64) },
  files: { "v0.1/servers.json": "0".repeat(64) },
});
const signed = (p: IndexPayload, seed = key.seed) =>
  Buffer.from(indexFiles(p, signingKeyFromSeed(seed)).get(INDEX_PATH)!);
const now = new Date("2026-01-02T00:00:00Z");
const trusted = [key.publicKeyHex];

describe("signed index", () => {
  it("verifies a good signature and returns the state to remember", async () => {
    const v = await verifyIndex(signed(payload(5)), { publicKeys: trusted, now });
    expect(v).toMatchObject({ kind: "ok", kid: key.kid, state: { serial: 5, gitCommit: "c5" } });
    expect(key.kid).toBe(sha256Hex(Buffer.from(key.publicKeyHex, "hex")));
    expect(keyId(key.publicKeyHex.toUpperCase())).toBe(key.kid);
  });

  it("signs deterministically and publishes the public key", () => {
    expect(signed(payload(5)).equals(signed(payload(5)))).toBe(true);
    const keys = JSON.parse(indexFiles(payload(5), signingKeyFromSeed(key.seed)).get(KEYS_PATH)!);
    expect(keys.keys[0]).toEqual({ kid: key.kid, alg: "EdDSA", crv: "Ed25519", publicKey: key.publicKeyHex });
  });

  it("rejects a changed payload", async () => {
    const jws = JSON.parse(signed(payload(5)).toString());
    jws.payload = Buffer.from(JSON.stringify(payload(6))).toString("base64url");
    expect(await verifyIndex(Buffer.from(JSON.stringify(jws)), { publicKeys: trusted, now })).toMatchObject({
      kind: "rejected",
      code: "index/bad-signature",
    });
  });

  it("rejects a key it does not trust, and an unsigned index", async () => {
    expect(
      await verifyIndex(signed(payload(5), generateSigningSeed().seed), { publicKeys: trusted, now }),
    ).toMatchObject({
      code: "index/unknown-key",
    });
    expect(
      await verifyIndex(Buffer.from(indexFiles(payload(5), undefined).get(INDEX_PATH)!), { publicKeys: trusted, now }),
    ).toMatchObject({ code: "index/unsigned" });
    expect(await verifyIndex(Buffer.from("nope"), { publicKeys: trusted, now })).toMatchObject({
      code: "index/malformed",
    });
  });

  it("rejects an expired index", async () => {
    expect(
      await verifyIndex(signed(payload(5)), { publicKeys: trusted, now: new Date("2026-01-15T00:00:01Z") }),
    ).toMatchObject({ code: "index/expired" });
  });

  it("rejects a rollback to an older serial, and a different commit under the same serial", async () => {
    const state = { serial: 6, gitCommit: "c6" };
    expect(await verifyIndex(signed(payload(5)), { publicKeys: trusted, now, state })).toMatchObject({
      code: "index/rollback",
    });
    expect(await verifyIndex(signed(payload(6, "other")), { publicKeys: trusted, now, state })).toMatchObject({
      code: "index/fork",
    });
    expect(await verifyIndex(signed(payload(6)), { publicKeys: trusted, now, state })).toMatchObject({ kind: "ok" });
    expect(await verifyIndex(signed(payload(7)), { publicKeys: trusted, now, state })).toMatchObject({ kind: "ok" });
  });

  it("signs exactly what jose's FlattenedSign signs (Ed25519 is deterministic), so jose can verify it", async () => {
    const ours = JSON.parse(signed(payload(5)).toString());
    const header = { alg: "EdDSA", kid: key.kid, typ: "mcp-static-registry-index+json" };
    const theirs = await new FlattenedSign(Buffer.from(stringifyJson(payload(5))))
      .setProtectedHeader(header)
      .sign(signingKeyFromSeed(key.seed).privateKey);
    expect(ours).toEqual(theirs);
  });

  /**
   * index.json signed by the trusted key with the given protected header: only the header is the attack. Signed
   * by hand (node:crypto), as an attacker would: jose's own signer refuses to write an unknown crit.
   */
  const signedWith = async (header: Record<string, unknown>) => {
    const protectedHeader = Buffer.from(JSON.stringify({ alg: "EdDSA", kid: key.kid, ...header })).toString(
      "base64url",
    );
    const body = Buffer.from(stringifyJson(payload(5))).toString("base64url");
    const signature = sign(null, Buffer.from(`${protectedHeader}.${body}`), signingKeyFromSeed(key.seed).privateKey);
    return Buffer.from(
      JSON.stringify({ protected: protectedHeader, payload: body, signature: signature.toString("base64url") }),
    );
  };

  it("refuses a crit it does not understand, or a malformed one, even when the signature is good", async () => {
    const good = await signedWith({ typ: "mcp-static-registry-index+json" });
    expect(await verifyIndex(good, { publicKeys: trusted, now })).toMatchObject({ kind: "ok" });
    const unknown = await signedWith({ typ: "mcp-static-registry-index+json", crit: ["exp"], exp: 1 });
    expect(await verifyIndex(unknown, { publicKeys: trusted, now })).toMatchObject({
      kind: "rejected",
      code: "index/unsupported-crit",
    });
    const empty = await signedWith({ typ: "mcp-static-registry-index+json", crit: [] });
    expect(await verifyIndex(empty, { publicKeys: trusted, now })).toMatchObject({ code: "index/unsupported-crit" });
  });

  it("refuses a JWS of another type signed by the same key, and one without typ", async () => {
    expect(await verifyIndex(await signedWith({ typ: "JWT" }), { publicKeys: trusted, now })).toMatchObject({
      kind: "rejected",
      code: "index/wrong-typ",
    });
    expect(await verifyIndex(await signedWith({}), { publicKeys: trusted, now })).toMatchObject({
      code: "index/wrong-typ",
    });
  });

  it("refuses an unprotected header and any alg but EdDSA", async () => {
    const jws = JSON.parse(signed(payload(5)).toString());
    const withHeader = Buffer.from(JSON.stringify({ ...jws, header: { kid: key.kid } }));
    expect(await verifyIndex(withHeader, { publicKeys: trusted, now })).toMatchObject({ code: "index/malformed" });
    const hs = { ...jws, protected: Buffer.from(JSON.stringify({ alg: "HS256", kid: key.kid })).toString("base64url") };
    expect(await verifyIndex(Buffer.from(JSON.stringify(hs)), { publicKeys: trusted, now })).toMatchObject({
      code: "index/malformed",
      reason: expect.stringMatching(/only EdDSA/),
    });
  });

  it("refuses a malformed signing key", () => {
    expect(() => signingKeyFromSeed("abc")).toThrow(/64 hex/);
  });
});

describe("pins", () => {
  it("groups a server's files under both prefixes, keeps every other file on its own, and skips the index itself", () => {
    const r = createPinRecorder();
    const files: [string, string][] = [
      ["v0/servers/io.github.aa/bb/versions/1.0.0", "a"],
      ["v0.1/servers/io.github.aa/bb/versions/1.0.0", "a"],
      ["v0.1/servers/io.github.aa/bb/versions.json", "l"],
      ["v0.1/servers/io.github.cc/dd/versions/2.0.0.json", "c"],
      ["v0.1/servers.json", "list"],
      ["index.html", "site"],
      [INDEX_PATH, "index"],
      [KEYS_PATH, "keys"],
    ];
    for (const [p, body] of files) r.record(p, body);
    const pins = r.pins();
    expect(pins.servers).toEqual({
      "io.github.aa/bb": groupDigest(files.slice(0, 3).map(([p, b]) => [p, sha256Hex(b)])),
      "io.github.cc/dd": groupDigest([[files[3]![0], sha256Hex("c")]]),
    });
    expect(pins.files).toEqual({ "index.html": sha256Hex("site"), "v0.1/servers.json": sha256Hex("list") });
    expect(pinGroupOf("v0/servers/index.html")).toBeUndefined();
  });

  it("digests a manifest independently of the order files come in, and changes with any byte", () => {
    const a: [string, string][] = [
      ["x/1", "0".repeat(64)],
      ["x/2", "1".repeat(64)],
    ];
    expect(groupDigest(a)).toBe(groupDigest([...a].reverse()));
    expect(groupDigest(a)).toBe(sha256Hex(`${"0".repeat(64)}  x/1\n${"1".repeat(64)}  x/2\n`));
    expect(groupDigest([a[0]!, ["x/2", "2".repeat(64)]])).not.toBe(groupDigest(a));
  });

  it("hashes a body handed to several paths in a row once, and bytes or another body in between again", () => {
    const hashed: (string | Uint8Array)[] = [];
    const r = createPinRecorder((b) => (hashed.push(b), sha256Hex(b)));
    const plain = createPinRecorder();
    const body = `{"v":"${"1".repeat(100)}"}`;
    const bytes = new Uint8Array([1, 2]);
    const files: [string, string | Uint8Array][] = [
      ["v0/servers/io.github.aa/bb/versions/1", body],
      ["v0.1/servers/io.github.aa/bb/versions/1", body],
      ["v0.1/servers/io.github.aa/bb/versions/1.json", `{"v":"${"1".repeat(100)}"}`], // equal text, another string
      ["v0.1/servers/io.github.aa/bb/versions.json", "list"],
      ["v0.1/servers/io.github.aa/bb/latest", body], // after another body: hashed again
      ["v0.1/servers/io.github.cc/dd/versions/1", body],
      ["assets/a.bin", bytes],
      ["assets/b.bin", bytes],
    ];
    for (const [p, b] of files) {
      r.record(p, b);
      plain.record(p, b);
    }
    expect(hashed).toEqual([body, "list", body, bytes, bytes]);
    expect(r.pins()).toEqual(plain.pins());
  });

  it("refuses a server whose files come back after another server's (its digest would be incomplete)", () => {
    const r = createPinRecorder();
    r.record("v0/servers/io.github.aa/bb/versions/1", "1");
    r.record("v0/servers/io.github.cc/dd/versions/1", "1");
    expect(() => r.record("v0/servers/io.github.aa/bb/versions/2", "2")).toThrow(/not emitted together/);
  });

  it("decodes an unsigned payload for a consistency check, and refuses a malformed one", async () => {
    expect(decodeIndexPayload(Buffer.from(indexFiles(payload(5), undefined).get(INDEX_PATH)!))).toMatchObject({
      kind: "ok",
      payload: { serial: 5 },
    });
    const bad = { ...payload(5), files: { x: "nope" } };
    expect(decodeIndexPayload(Buffer.from(indexFiles(bad, undefined).get(INDEX_PATH)!))).toMatchObject({
      kind: "rejected",
      code: "index/malformed",
    });
    expect(await verifyIndex(signed(bad), { publicKeys: trusted, now })).toMatchObject({
      kind: "rejected",
      code: "index/malformed",
    });
  });
});
