// Sigstore signature verification, offline, with sigstore-js (@sigstore/verify) against a trusted root
// given as data (scripts/policy/sigstore-trusted-root.json: the Sigstore public-good root as shipped in
// @sigstore/tuf's seeds). No TUF refresh, no network: the same bytes give the same verdict.
//
// What this proves offline: the DSSE signature is made by the certificate's key; the certificate chains
// to a Fulcio CA of the root and was valid at the transparency log's integrated time; the log entry
// matches the envelope and its inclusion promise (SET) or inclusion proof verifies against a Rekor key
// of the root; SCTs are checked against the root's CT logs (ctlogThreshold). What it cannot prove:
// freshness (a key revoked or a root rotated after the recorded root was taken is not noticed until the
// file is updated), and that the log still holds the entry today.

import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";

/** Fulcio's Source Repository URI extension (v2 OIDs, fulcio docs/oid-info.md). */
const OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12";
/** Fulcio's Build Signer URI: the workflow that signed. */
const OID_BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9";

export interface SignerIdentity {
  /** The certificate's Subject Alternative Name (for GitHub Actions: the workflow ref). */
  readonly subjectAlternativeName?: string;
  readonly issuer?: string;
  /** Fulcio's Source Repository URI: the repository the workflow ran in, as the OIDC token said. */
  readonly sourceRepositoryUri?: string;
  readonly buildSignerUri?: string;
}

type BundleVerdict =
  { readonly ok: true; readonly signer: SignerIdentity } | { readonly ok: false; readonly reason: string };

export interface SigstoreVerifier {
  verify(bundle: unknown): BundleVerdict;
}

export interface SigstoreOptions {
  /** Signed certificate timestamps required (default 1, as sigstore-js). */
  readonly ctlogThreshold?: number;
}

export function createSigstoreVerifier(trustedRoot: unknown, options: SigstoreOptions = {}): SigstoreVerifier {
  const material = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot));
  const verifier = new Verifier(material, { ctlogThreshold: options.ctlogThreshold ?? 1, tlogThreshold: 1 });
  return {
    verify(bundle) {
      try {
        const entity = toSignedEntity(bundleFromJSON(bundle));
        const signer = verifier.verify(entity);
        return { ok: true, signer: identityOf(signer.identity) };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

type Identity = NonNullable<ReturnType<Verifier["verify"]>["identity"]>;

function identityOf(identity: Identity | undefined): SignerIdentity {
  const oid = (dotted: string) => {
    const found = identity?.oids?.find((o) => o.oid?.id.join(".") === dotted);
    return found ? derUtf8(Buffer.from(found.value)) : undefined;
  };
  const sourceRepositoryUri = oid(OID_SOURCE_REPOSITORY_URI);
  const buildSignerUri = oid(OID_BUILD_SIGNER_URI);
  return {
    ...(identity?.subjectAlternativeName ? { subjectAlternativeName: identity.subjectAlternativeName } : {}),
    ...(identity?.extensions?.issuer ? { issuer: identity.extensions.issuer } : {}),
    ...(sourceRepositoryUri ? { sourceRepositoryUri } : {}),
    ...(buildSignerUri ? { buildSignerUri } : {}),
  };
}

/** The text of a DER UTF8String (tag 12), as Fulcio's v2 extensions hold; undefined for anything else. */
function derUtf8(bytes: Buffer): string | undefined {
  if (bytes[0] !== 0x0c || bytes.length < 2) return undefined;
  let length = bytes[1] as number;
  let start = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n < 1 || n > 2 || bytes.length < 2 + n) return undefined;
    length = n === 1 ? (bytes[2] as number) : ((bytes[2] as number) << 8) | (bytes[3] as number);
    start = 2 + n;
  }
  if (start + length !== bytes.length) return undefined;
  return bytes.subarray(start).toString("utf8");
}

/** The in-toto statement inside a bundle's DSSE envelope, when it is one. */
export interface Statement {
  readonly subject: readonly { readonly name?: string; readonly digest?: Readonly<Record<string, string>> }[];
  readonly predicateType?: string;
  readonly predicate?: unknown;
}

const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** Decode `dsseEnvelope.payload` of a serialized bundle as an in-toto statement. */
export function statementOf(bundle: unknown): Statement | undefined {
  const envelope = (bundle as { dsseEnvelope?: { payload?: unknown; payloadType?: unknown } } | null)?.dsseEnvelope;
  if (typeof envelope?.payload !== "string" || envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as Partial<Statement>;
    return Array.isArray(doc.subject) ? (doc as Statement) : undefined;
  } catch {
    return undefined;
  }
}
