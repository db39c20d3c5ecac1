// A receipt for tests, shaped as the trusted workflow commits it (lib/receipt.ts).

import type { Receipt } from "../lib/receipt.ts";

/** A receipt as the trusted workflow commits it (receipt.ts), with evidence that tries HTML injection. */
export function sampleReceipt(name: string, version: string): Receipt {
  return {
    receipt: 1,
    name,
    version,
    file: `servers/${name}/${version}/server.json`,
    blob: "0".repeat(40),
    pr: { number: 7, baseSha: "a".repeat(40), headSha: "b".repeat(40), author: "alice", mergeCommit: "c".repeat(40) },
    run: { id: 42, url: "https://github.com/o/r/actions/runs/42", reportSha256: "d".repeat(64) },
    recordedAt: "2025-10-05T00:10:00Z",
    verdict: "pass",
    checks: [
      {
        id: "namespace/github-author",
        kind: "namespace",
        outcome: "pass",
        message: "alice owns the namespace",
        evidence: { method: "github", account: "alice", accountId: 1, accountType: "User" },
      },
      {
        id: "npm/ok",
        kind: "npm",
        outcome: "pass",
        message: "mcpName matches",
        evidence: {
          identifier: "@modelcontextprotocol/server-brave-search",
          mcpName: name,
          responseSha256: "e".repeat(64),
          note: "</pre><script>window.__pwned=3</script>",
        },
      },
    ],
    reverifications: [],
  };
}
