// A real DNS server on 127.0.0.1 (UDP, port 0) answering TXT queries from a table, built with
// dns-packet. Names not in the table answer NXDOMAIN; `hang` names never answer (timeouts).

import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import * as dnsPacket from "dns-packet";

export interface FakeDnsServer {
  /** `127.0.0.1:<port>`, for Resolver.setServers / REGISTRY_DNS_SERVER. */
  readonly server: string;
  readonly queries: string[];
  close(): Promise<void>;
}

export async function startFakeDnsServer(
  txt: Record<string, readonly string[]>,
  options: { hang?: readonly string[] } = {},
): Promise<FakeDnsServer> {
  const socket = createSocket("udp4");
  const queries: string[] = [];
  const table = new Map(Object.entries(txt).map(([k, v]) => [k.toLowerCase(), v]));
  socket.on("message", (message, remote) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    queries.push(`${question.type} ${name}`);
    if (options.hang?.includes(name)) return;
    const records = question.type === "TXT" ? table.get(name) : undefined;
    const exists = table.has(name);
    const response = dnsPacket.encode({
      id: query.id,
      type: "response",
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (exists ? 0 : 3), // rcode 3 = NXDOMAIN
      questions: [question],
      answers: (records ?? []).map((text) => ({
        type: "TXT" as const,
        name: question.name,
        ttl: 60,
        class: "IN" as const,
        // Long texts are split into 255-byte strings, as a real zone would hold them.
        data: (text.match(/[\s\S]{1,255}/g) ?? [""]).map((s) => Buffer.from(s)),
      })),
    });
    socket.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
