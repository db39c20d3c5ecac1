import { describe, expect, it } from "vitest";
import { addDays, generateSigningSeed, INDEX_PATH, indexFiles, keyId, KEYS_PATH, signingKeyFromSeed, verifyIndex, type IndexPayload } from "./signed-index.ts";
import { sha256Hex } from "./feed.ts";

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
const signed = (p: IndexPayload, seed = key.seed) => Buffer.from(indexFiles(p, signingKeyFromSeed(seed)).get(INDEX_PATH)!);
const now = new Date("2026-01-02T00:00:00Z");
const trusted = [key.publicKeyHex];

describe("signed index", () => {
  it("verifies a good signature and returns the state to remember", () => {
    const v = verifyIndex(signed(payload(5)), { publicKeys: trusted, now });
    expect(v).toMatchObject({ kind: "ok", kid: key.kid, state: { serial: 5, gitCommit: "c5" } });
    expect(key.kid).toBe(sha256Hex(Buffer.from(key.publicKeyHex, "hex")));
    expect(keyId(key.publicKeyHex.toUpperCase())).toBe(key.kid);
  });

  it("signs deterministically and publishes the public key", () => {
    expect(signed(payload(5)).equals(signed(payload(5)))).toBe(true);
    const keys = JSON.parse(indexFiles(payload(5), signingKeyFromSeed(key.seed)).get(KEYS_PATH)!);
    expect(keys.keys[0]).toEqual({ kid: key.kid, alg: "EdDSA", crv: "Ed25519", publicKey: key.publicKeyHex });
  });

  it("rejects a changed payload", () => {
    const jws = JSON.parse(signed(payload(5)).toString());
    jws.payload = Buffer.from(JSON.stringify(payload(6))).toString("base64url");
    expect(verifyIndex(Buffer.from(JSON.stringify(jws)), { publicKeys: trusted, now })).toMatchObject({ kind: "rejected", code: "index/bad-signature" });
  });

  it("rejects a key it does not trust, and an unsigned index", () => {
    expect(verifyIndex(signed(payload(5), generateSigningSeed().seed), { publicKeys: trusted, now })).toMatchObject({ code: "index/unknown-key" });
    expect(verifyIndex(Buffer.from(indexFiles(payload(5), undefined).get(INDEX_PATH)!), { publicKeys: trusted, now })).toMatchObject({ code: "index/unsigned" });
    expect(verifyIndex(Buffer.from("nope"), { publicKeys: trusted, now })).toMatchObject({ code: "index/malformed" });
  });

  it("rejects an expired index", () => {
    expect(verifyIndex(signed(payload(5)), { publicKeys: trusted, now: new Date("2026-01-15T00:00:01Z") })).toMatchObject({ code: "index/expired" });
  });

  it("rejects a rollback to an older serial, and a different commit under the same serial", () => {
    const state = { serial: 6, gitCommit: "c6" };
    expect(verifyIndex(signed(payload(5)), { publicKeys: trusted, now, state })).toMatchObject({ code: "index/rollback" });
    expect(verifyIndex(signed(payload(6, "other")), { publicKeys: trusted, now, state })).toMatchObject({ code: "index/fork" });
    expect(verifyIndex(signed(payload(6)), { publicKeys: trusted, now, state })).toMatchObject({ kind: "ok" });
    expect(verifyIndex(signed(payload(7)), { publicKeys: trusted, now, state })).toMatchObject({ kind: "ok" });
  });

  it("refuses a malformed signing key", () => {
    expect(() => signingKeyFromSeed("abc")).toThrow(/64 hex/);
  });
});
