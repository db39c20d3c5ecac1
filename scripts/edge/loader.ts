// A Worker that exists only in the local runtime (`npm run edge`, the tests), never deployed: the deploy's
// ObjectStore over the local workerd's R2 bucket, so the upload logic runs against the same simulated bucket
// the edge Worker reads. Routes (POST, reached through Miniflare's dispatch, never on a listening port):
//   /get     body: key                 → the object's bytes, or 404
//   /put     body: frames              → stores every object of the batch
//   /delete  body: JSON array of keys  → deletes them
// A frame is a u32 key length, the key (UTF-8), a u32 byte length, the bytes (big-endian lengths).

interface BucketLike {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  put(key: string, value: Uint8Array): Promise<unknown>;
  delete(keys: string[]): Promise<void>;
}

function* frames(bytes: Uint8Array): Generator<[string, Uint8Array]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  for (let at = 0; at < bytes.length;) {
    const keyLength = view.getUint32(at);
    const key = decoder.decode(bytes.subarray(at + 4, at + 4 + keyLength));
    at += 4 + keyLength;
    const length = view.getUint32(at);
    yield [key, bytes.subarray(at + 4, at + 4 + length)];
    at += 4 + length;
  }
}

export default {
  async fetch(request: Request, env: { TREE: BucketLike }): Promise<Response> {
    const op = new URL(request.url).pathname;
    const body = new Uint8Array(await request.arrayBuffer());
    if (op === "/get") {
      const o = await env.TREE.get(new TextDecoder().decode(body));
      return o ? new Response(await o.arrayBuffer()) : new Response(null, { status: 404 });
    }
    if (op === "/put") {
      const all = [...frames(body)];
      // Eight at a time: the local bucket is a Durable Object on disk; hundreds at once only queue in memory.
      for (let i = 0; i < all.length; i += 8)
        await Promise.all(all.slice(i, i + 8).map(([key, bytes]) => env.TREE.put(key, bytes)));
      return new Response(null, { status: 204 });
    }
    if (op === "/delete") {
      await env.TREE.delete(JSON.parse(new TextDecoder().decode(body)) as string[]);
      return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 404 });
  },
};
