// TXT lookups for domain proofs, through node:dns's Resolver so a test (or a maintainer) can name the
// DNS server, port included (`127.0.0.1:5353`). Upstream allows 5 s per lookup.

import { Resolver } from "node:dns/promises";

type TxtOutcome =
  | { readonly kind: "ok"; readonly records: readonly string[] }
  /** NXDOMAIN or no TXT records: a definite "nothing here". */
  | { readonly kind: "none" }
  /** The lookup could not finish (timeout, SERVFAIL, refused): try again later. */
  | { readonly kind: "error"; readonly message: string };

export type TxtLookup = (name: string) => Promise<TxtOutcome>;

export interface TxtResolverOptions {
  /** `host:port`; undefined = the system's resolvers. */
  readonly server?: string;
  readonly timeoutMs?: number;
  readonly tries?: number;
}

const DEFINITE_NONE = new Set(["ENOTFOUND", "ENODATA", "NXDOMAIN", "ENONAME"]);

export function createTxtLookup(options: TxtResolverOptions = {}): TxtLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: options.tries ?? 2 });
  if (options.server) resolver.setServers([options.server]);
  return async (name) => {
    try {
      const chunks = await resolver.resolveTxt(name);
      // A TXT record may be split into 255-byte strings; they form one text.
      const records = chunks.map((parts) => parts.join(""));
      return records.length === 0 ? { kind: "none" } : { kind: "ok", records };
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (DEFINITE_NONE.has(code)) return { kind: "none" };
      return { kind: "error", message: `${code || "DNS error"} looking up TXT ${name}` };
    }
  };
}
