import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDnsServer, type FakeDnsServer } from "../../test/fakes/dns-server.ts";
import { startFakeGitHub } from "../../test/fakes/github-api.ts";
import { startFakeServer, type FakeServer } from "../../test/fakes/http-server.ts";
import { blockedBy, parseBlocklist } from "./blocklist.ts";
import { createTxtLookup } from "./dns.ts";
import { createGitHubIdentity } from "./github.ts";
import { createHttpClient } from "./http.ts";
import { createHttpProofFetcher } from "./http-proof.ts";
import { generateKey, parsePrivateKeyHex, signBytes, verifyBytes, type PrivateKey } from "./keys.ts";
import { verifyNamespace, type NamespaceDeps, type OwnershipClaim } from "./namespace.ts";

const http = createHttpClient({ retries: 0, timeoutMs: 2000 });
const ed = generateKey("ed25519");
const p384 = generateKey("ecdsap384");
const stale = generateKey("ed25519");
const key = (hex: string) => (parsePrivateKeyHex(hex) as { kind: "ok"; key: PrivateKey }).key;

let dns: FakeDnsServer;
let github: FakeServer;
let proofs: FakeServer;
let deps: NamespaceDeps;

beforeAll(async () => {
  dns = await startFakeDnsServer(
    {
      "example.com": ["google-site-verification=abc", stale.record, ed.record],
      "p384.example.org": [p384.record],
      "_mcp-auth.selector.example.net": [ed.record],
      "selector.example.net": ["v=spf1 -all"],
    },
    { hang: ["slow.example.io"] },
  );
  github = await startFakeGitHub({
    accounts: { "alice-dev": "user-alice.json", acmecorp: "org-acme.json" },
    publicMembers: ["acmecorp/bob"],
  });
  proofs = await startFakeServer({
    "/web.example.dev/.well-known/mcp-registry-auth": { body: `${ed.record}\n` },
    "/moved.example.dev/.well-known/mcp-registry-auth": {
      status: 301,
      headers: { location: "/web.example.dev/.well-known/mcp-registry-auth" },
    },
  });
  deps = {
    github: createGitHubIdentity({ baseUrl: github.url, fetch: http.fetch, userAgent: http.userAgent }),
    txt: createTxtLookup({ server: dns.server, timeoutMs: 300, tries: 1 }),
    fetchHttpProof: createHttpProofFetcher(http, `${proofs.url}/{domain}/.well-known/mcp-registry-auth`),
    blocklist: { namespaces: ["io.github.spammer", "com.blocked"] },
  };
});
afterAll(async () => {
  await Promise.all([dns.close(), github.close(), proofs.close()]);
});

const bytes = Buffer.from('{"name":"com.example/weather","version":"1.0.0"}\n');
const claim = (
  serverName: string,
  author = "someone",
  signature?: string,
  signedBytes: Uint8Array = bytes,
): OwnershipClaim => ({
  file: `servers/${serverName}/1.0.0/server.json`,
  serverName,
  author,
  action: "publish",
  signed: { path: `servers/${serverName}/1.0.0/server.json`, bytes: signedBytes, signature },
});

describe("keys", () => {
  it("derives the RFC 8032 public key from a seed and signs the test vector", () => {
    const k = key("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    expect(Buffer.from(k.publicKey, "base64").toString("hex")).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(signBytes(k, new Uint8Array())).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
  });
  it("signs ECDSA P-384 as r||s over SHA-384 and verifies it", () => {
    const sig = signBytes(key(p384.privateKeyHex), bytes);
    expect(sig).toHaveLength(192);
    expect(verifyBytes({ algorithm: "ecdsap384", publicKey: key(p384.privateKeyHex).publicKey }, bytes, sig)).toBe(
      true,
    );
  });
  it("rejects key hex of the wrong length", () => {
    expect(parsePrivateKeyHex("abcd").kind).toBe("invalid");
  });
});

describe("GitHub namespaces", () => {
  it("accepts the author's own namespace in canonical casing, login in any case", async () => {
    const r = await verifyNamespace(claim("io.github.Alice-Dev/weather", "alice-dev"), deps);
    expect([r.status, r.code]).toEqual(["pass", "namespace/github-author"]);
    expect(r.evidence).toMatchObject({ account: "Alice-Dev", accountId: 1000001 });
  });
  it("refuses a non-canonical casing and names the canonical form", async () => {
    const r = await verifyNamespace(claim("io.github.alice-dev/weather", "Alice-Dev"), deps);
    expect(r.code).toBe("namespace/github-casing");
    expect(r.message).toContain("io.github.Alice-Dev/weather");
  });
  it("accepts a public org member and refuses a non-member", async () => {
    expect((await verifyNamespace(claim("io.github.AcmeCorp/tool", "bob"), deps)).code).toBe(
      "namespace/github-org-member",
    );
    const r = await verifyNamespace(claim("io.github.AcmeCorp/tool", "mallory"), deps);
    expect([r.status, r.code]).toEqual(["fail", "namespace/not-org-member"]);
  });
  it("refuses another user's namespace and unknown accounts", async () => {
    expect((await verifyNamespace(claim("io.github.Alice-Dev/weather", "mallory"), deps)).code).toBe(
      "namespace/not-owner",
    );
    expect((await verifyNamespace(claim("io.github.ghost/x", "ghost"), deps)).code).toBe("namespace/github-unknown");
  });
  it("reports a rate-limited GitHub as error, not fail", async () => {
    const limited = await startFakeGitHub({ accounts: {}, status: 403 });
    try {
      const r = await verifyNamespace(claim("io.github.Alice-Dev/w", "alice-dev"), {
        ...deps,
        github: createGitHubIdentity({ baseUrl: limited.url, fetch: http.fetch, userAgent: "t" }),
      });
      expect([r.status, r.code]).toEqual(["error", "namespace/github-unavailable"]);
    } finally {
      await limited.close();
    }
  });
});

describe("domain namespaces", () => {
  const sign = (hex: string, b: Uint8Array = bytes) => signBytes(key(hex), b);
  it("accepts a signature by a key in DNS TXT at the apex, also for sub-namespaces", async () => {
    const r = await verifyNamespace(claim("com.example/weather", "x", sign(ed.privateKeyHex)), deps);
    expect([r.status, r.code]).toEqual(["pass", "namespace/dns-signature"]);
    expect(r.evidence).toMatchObject({ recordName: "example.com", record: ed.record });
    expect((await verifyNamespace(claim("com.example.api/weather", "x", sign(ed.privateKeyHex)), deps)).code).toBe(
      "namespace/dns-signature",
    );
  });
  it("accepts ECDSA P-384 keys", async () => {
    expect((await verifyNamespace(claim("org.example.p384/w", "x", sign(p384.privateKeyHex)), deps)).code).toBe(
      "namespace/dns-signature",
    );
  });
  it("refuses a signature over other bytes, naming the keys tried", async () => {
    const r = await verifyNamespace(
      claim("com.example/weather", "x", sign(ed.privateKeyHex, Buffer.from("other"))),
      deps,
    );
    expect(r.code).toBe("namespace/signature-invalid");
    expect(r.message).toContain(`ed25519:${ed.record.split("p=")[1]?.slice(0, 8)}`);
  });
  it("asks for a signature when the .sig file is missing", async () => {
    expect((await verifyNamespace(claim("com.example/weather", "x", undefined), deps)).code).toBe(
      "namespace/signature-missing",
    );
  });
  it("accepts the HTTP well-known proof for that exact namespace only", async () => {
    expect((await verifyNamespace(claim("dev.example.web/w", "x", sign(ed.privateKeyHex)), deps)).code).toBe(
      "namespace/http-signature",
    );
    expect((await verifyNamespace(claim("dev.example.web.sub/w", "x", sign(ed.privateKeyHex)), deps)).code).toBe(
      "namespace/no-key",
    );
  });
  it("does not follow redirects of the HTTP proof", async () => {
    expect((await verifyNamespace(claim("dev.example.moved/w", "x", sign(ed.privateKeyHex)), deps)).code).toBe(
      "namespace/no-key",
    );
  });
  it("detects a record placed under a selector", async () => {
    const r = await verifyNamespace(claim("net.example.selector/w", "x", sign(ed.privateKeyHex)), deps);
    expect(r.code).toBe("namespace/record-under-selector");
    expect(r.message).toBe(
      'no MCPv1 TXT record at "selector.example.net", but one was found at "_mcp-auth.selector.example.net" — MCP DNS auth requires the record at the apex domain, not under a selector',
    );
  });
  it("reports a DNS server that never answers as error, within bounded time", async () => {
    const started = Date.now();
    const r = await verifyNamespace(claim("io.example.slow/w", "x", sign(ed.privateKeyHex)), deps);
    expect([r.status, r.code]).toEqual(["error", "namespace/lookup-failed"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
  it("honours the blocklist, sub-namespaces included", async () => {
    expect((await verifyNamespace(claim("com.blocked.api/w", "x", sign(ed.privateKeyHex)), deps)).code).toBe(
      "namespace/blocked",
    );
    expect((await verifyNamespace(claim("io.github.Spammer/w", "spammer"), deps)).code).toBe("namespace/blocked");
  });
});

describe("blocklist file", () => {
  it("parses strings and objects", () => {
    const parsed = parseBlocklist("namespaces:\n  - com.Bad\n  - { namespace: io.github.x, reason: spam }\n");
    expect(parsed.kind === "ok" && parsed.blocklist.namespaces).toEqual(["com.bad", "io.github.x"]);
    expect(blockedBy("com.bad.sub", { namespaces: ["com.bad"] })).toBe("com.bad");
    expect(blockedBy("com.badly", { namespaces: ["com.bad"] })).toBeUndefined();
  });
  it("rejects a malformed file", () => {
    expect(parseBlocklist("namespaces: 3").kind).toBe("invalid");
    expect(parseBlocklist("namespaces: ['../x']").kind).toBe("invalid");
  });
});

describe("HTTP proof host guard", () => {
  it("refuses internal addresses and allows public ones", async () => {
    const { internalAddressProblem } = await import("./http-proof.ts");
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "169.254.169.254",
      "192.168.0.1",
      "172.16.0.1",
      "100.64.0.1",
      "::1",
      "fd00::1",
      "::ffff:10.0.0.1",
    ])
      expect(internalAddressProblem(a)).toBeDefined();
    for (const a of ["93.184.216.34", "2606:2800:220:1::1"]) expect(internalAddressProblem(a)).toBeUndefined();
  });
  it("does not fetch a refused host", async () => {
    const fetcher = createHttpProofFetcher(http, `${proofs.url}/{domain}/.well-known/mcp-registry-auth`, {
      guard: async () => "internal",
    });
    const before = proofs.requests.length;
    const out = await fetcher("web.example.dev");
    expect(out.kind === "response" && out.status).toBe(0);
    expect(proofs.requests.length).toBe(before);
  });
});
