// A small OCI distribution registry on loopback: anonymous bearer tokens (401 + WWW-Authenticate, then
// a token endpoint), a multi-arch index, image manifests and config blobs, all content-addressed.

import { createHash } from "node:crypto";
import { fixture, startFakeServer, type FakeServer } from "./http-server.ts";

const digestOf = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

export interface OciImageSpec {
  readonly repository: string;
  readonly tag: string;
  /** Config labels; undefined = no Labels key. */
  readonly labels?: Record<string, string>;
  /** Serve the tag as a multi-arch index (arm64 + amd64 + an attestation). */
  readonly multiArch?: boolean;
  /** Answer manifests with this status instead (401 = private, 404, 429). */
  readonly status?: number;
}

export interface FakeOciRegistry extends FakeServer {
  readonly tokensIssued: string[];
  /** Digest of the image manifest (the amd64 one for a multi-arch tag). */
  manifestDigest(repository: string, tag: string): string;
}

export async function startFakeOciRegistry(images: readonly OciImageSpec[]): Promise<FakeOciRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { body: Buffer; type: string }>();
  const amd64 = new Map<string, string>();
  const tokensIssued: string[] = [];
  const status = new Map<string, number>();

  for (const image of images) {
    if (image.status) status.set(image.repository, image.status);
    const base = JSON.parse(fixture("oci/config.json").toString("utf8")) as { config: Record<string, unknown> };
    if (image.labels === undefined) delete base.config.Labels;
    else base.config.Labels = image.labels;
    const makeImage = (arch: string) => {
      const config = Buffer.from(JSON.stringify({ ...base, architecture: arch }));
      const configDigest = digestOf(config);
      blobs.set(configDigest, config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
          layers: [],
        }),
      );
      const digest = digestOf(manifest);
      manifests.set(`${image.repository}@${digest}`, {
        body: manifest,
        type: "application/vnd.oci.image.manifest.v1+json",
      });
      return { digest, size: manifest.length };
    };
    if (image.multiArch) {
      const arm = makeImage("arm64");
      const amd = makeImage("amd64");
      amd64.set(`${image.repository}:${image.tag}`, amd.digest);
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: arm.digest,
              size: arm.size,
              platform: { os: "linux", architecture: "arm64", variant: "v8" },
            },
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: "sha256:" + "a".repeat(64),
              size: 10,
              platform: { os: "unknown", architecture: "unknown" },
            },
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: amd.digest,
              size: amd.size,
              platform: { os: "linux", architecture: "amd64" },
            },
          ],
        }),
      );
      manifests.set(`${image.repository}:${image.tag}`, {
        body: index,
        type: "application/vnd.oci.image.index.v1+json",
      });
    } else {
      const one = makeImage("amd64");
      amd64.set(`${image.repository}:${image.tag}`, one.digest);
      manifests.set(
        `${image.repository}:${image.tag}`,
        manifests.get(`${image.repository}@${one.digest}`) as { body: Buffer; type: string },
      );
    }
  }

  const server = await startFakeServer((req, res, self) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/token") {
      const token = `anon-${tokensIssued.length + 1}`;
      tokensIssued.push(`${url.searchParams.get("service")} ${url.searchParams.get("scope")}`);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, repository, what, reference] = m as unknown as [string, string, string, string];
    if (req.headers.authorization === undefined) {
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="${self.url}/token",service="fake-registry",scope="repository:${repository}:pull"`,
          "content-type": "application/json",
        })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const forced = status.get(repository);
    if (forced)
      return void res
        .writeHead(forced, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "DENIED" }] }));
    if (what === "blobs") {
      const blob = blobs.get(reference);
      if (!blob) return void res.writeHead(404).end();
      return void res
        .writeHead(200, { "content-type": "application/octet-stream", "content-length": String(blob.length) })
        .end(blob);
    }
    const key = reference.startsWith("sha256:") ? `${repository}@${reference}` : `${repository}:${reference}`;
    const manifest = manifests.get(key);
    if (!manifest)
      return void res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
    res
      .writeHead(200, {
        "content-type": manifest.type,
        "docker-content-digest": digestOf(manifest.body),
        "content-length": String(manifest.body.length),
      })
      .end(manifest.body);
  });

  return {
    ...server,
    close: server.close,
    tokensIssued,
    manifestDigest: (repository, tag) => amd64.get(`${repository}:${tag}`) as string,
  };
}
