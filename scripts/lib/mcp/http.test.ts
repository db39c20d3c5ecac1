// handleMcpRequest on web-standard Request and Response, as a Cloudflare Worker's fetch handler would call
// it: no node:http in between. (`npm start`'s /mcp, which adds only the node adapter, is tested end to end in
// mcp-cli.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEALTH_REPORT, writeSampleRegistry, type SampleRegistry } from "../../test/mcp-registry.ts";
import { registryDataFromModel, type RegistryData } from "./data.ts";
import { handleMcpRequest } from "./http.ts";

let sample: SampleRegistry;
let data: RegistryData;

beforeAll(async () => {
  sample = await writeSampleRegistry();
  data = registryDataFromModel(sample.fixture.model, HEALTH_REPORT);
}, 60_000);
afterAll(() => sample?.cleanup());

const HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };

function post(body: unknown): Promise<Response> {
  const request = new Request("https://registry.example/mcp", {
    method: "POST",
    headers: HEADERS,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return handleMcpRequest(request, () => Promise.resolve(data));
}

describe("handleMcpRequest (web-standard, stateless)", () => {
  it("answers initialize and a tool call, each on its own request, as JSON", async () => {
    const init = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "worker-test", version: "1" } },
    });
    expect(init.status).toBe(200);
    expect(init.headers.get("content-type")).toMatch(/^application\/json/);
    expect(init.headers.get("mcp-session-id")).toBeNull();
    const initBody = (await init.json()) as { result: { serverInfo: { name: string } } };
    expect(initBody.result.serverInfo.name).toBe("mcp-static-registry");

    const called = await post({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "get_server", arguments: { name: "io.github.user/remote-weather" } },
    });
    const result = ((await called.json()) as { result: { structuredContent: Record<string, unknown> } }).result;
    expect(result.structuredContent).toMatchObject({
      name: "io.github.user/remote-weather",
      verification: { nightly: { status: "broken", checkedAt: HEALTH_REPORT.checkedAt } },
    });
  });

  it("refuses other methods with 405 and a body that is not JSON with a parse error", async () => {
    for (const method of ["GET", "DELETE", "PUT"]) {
      const response = await handleMcpRequest(
        new Request("https://registry.example/mcp", { method, headers: HEADERS }),
        () => Promise.resolve(data),
      );
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow"), method).toBe("POST");
    }
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });
});
