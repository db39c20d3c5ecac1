// The id git gives a file's content: the one way this code names committed bytes (receipts, the change feed,
// the model's records, the nightly check's GitHub contents).

import { createHash } from "node:crypto";

/** The id git gives a blob with these bytes (sha1 of "blob <size>\0" + bytes), as `git hash-object` prints it. */
export const gitBlobId = (bytes: Uint8Array): string =>
  createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
