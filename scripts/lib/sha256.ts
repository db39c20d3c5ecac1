// The one sha256 helper: a published file's pin (mirror/pins.ts), a feed entry's document, an MCPB download
// (verify/), an edge object's key (edge/objects.ts) all name bytes by it.

import { createHash } from "node:crypto";

/** sha256 in hex of the bytes (a string is hashed as its UTF-8: the bytes the writer writes). */
export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
