import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ServerJson } from "../scripts/lib/model.ts";
import { buildInstallOptions, quoteShell, type InstallOption } from "./snippets.ts";

const EXAMPLES = new URL("../scripts/test/fixtures/reference/examples/generic-server-json/", import.meta.url);

function example(file: string): ServerJson {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES), "utf8")) as ServerJson;
}

function snippet(option: InstallOption | undefined, id: string): string {
  const found = option?.snippets.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no snippet ${id} in ${option?.id}`);
  return found.text;
}

describe("buildInstallOptions", () => {
  it("npm package: npx line, and a VS Code input for the secret", () => {
    const [option] = buildInstallOptions(example("01-basic-server-with-npm-package.json"));
    expect(snippet(option, "npx")).toBe(
      "BRAVE_API_KEY='<YOUR_BRAVE_API_KEY>' npx -y @modelcontextprotocol/server-brave-search@1.0.2",
    );
    const vscode = JSON.parse(snippet(option, "vscode"));
    expect(vscode).toEqual({
      inputs: [{ type: "promptString", id: "brave_api_key", description: "Brave Search API Key", password: true }],
      servers: {
        "brave-search": {
          type: "stdio",
          command: "npx",
          args: ["-y", "@modelcontextprotocol/server-brave-search@1.0.2"],
          env: { BRAVE_API_KEY: "${input:brave_api_key}" },
        },
      },
    });
    const claude = JSON.parse(snippet(option, "claude-desktop"));
    expect(claude.mcpServers["brave-search"].env).toEqual({ BRAVE_API_KEY: "<YOUR_BRAVE_API_KEY>" });
    expect(JSON.parse(snippet(option, "cursor"))).toEqual(claude);
  });

  it("pypi package: uvx with pinned version", () => {
    const [option] = buildInstallOptions(example("07-python-package-example.json"));
    expect(snippet(option, "uvx")).toBe("WEATHER_API_KEY='<YOUR_WEATHER_API_KEY>' uvx weather-mcp-server==0.5.0");
  });

  it("nuget package: dnx with --yes", () => {
    const [option] = buildInstallOptions(example("09-nuget-net-package-example.json"));
    expect(snippet(option, "dnx")).toBe("WEATHER_CHOICES='<WEATHER_CHOICES>' dnx Knapcode.SampleMcpServer@0.5.0 --yes");
    const [fixed] = buildInstallOptions(example("03-constant-fixed-arguments-needed-to-start-the-mcp-server.json"));
    expect(snippet(fixed, "dnx")).toBe("dnx Knapcode.SampleMcpServer@0.4.0-beta --yes mcp start");
  });

  it("oci package: docker run with runtime arguments, variables and -e for each variable", () => {
    const [option] = buildInstallOptions(example("10-complex-docker-server-with-multiple-arguments.json"));
    expect(snippet(option, "docker")).toBe(
      "DB_USERNAME='<DB_USERNAME>' DB_PASSWORD='<YOUR_DB_PASSWORD>' docker run -i --rm --network host " +
        "-e 'DB_TYPE=<db_type>' -e DB_USERNAME -e DB_PASSWORD docker.io/example/database-manager-mcp:3.1.0 " +
        "--host localhost '<database_name>'",
    );
    const vscode = JSON.parse(snippet(option, "vscode"));
    expect(vscode.inputs.map((i: { id: string }) => i.id)).toEqual([
      "db_type",
      "database_name",
      "db_username",
      "db_password",
    ]);
    expect(vscode.inputs[3].password).toBe(true);
    expect(vscode.inputs[0].password).toBeUndefined();
    expect(option?.settings.map((s) => `${s.kind}:${s.name}`)).toContain("variable:db_type");
  });

  it("remote with a secret header: VS Code input, mcp-remote bridge for Claude Desktop, url for Cursor", () => {
    const options = buildInstallOptions(example("11-server-with-remote-and-package-options.json"));
    expect(options.map((o) => o.id)).toEqual(["package-1", "remote-1", "remote-2"]);
    const remote = options[1];
    expect(JSON.parse(snippet(remote, "vscode")).servers["hybrid-mcp"]).toEqual({
      type: "http",
      url: "https://mcp.anonymous.modelcontextprotocol.io/http",
      headers: { "X-API-Key": "${input:x_api_key}" },
    });
    expect(JSON.parse(snippet(remote, "claude-desktop")).mcpServers["hybrid-mcp"]).toEqual({
      command: "npx",
      args: [
        "-y",
        "mcp-remote",
        "https://mcp.anonymous.modelcontextprotocol.io/http",
        "--header",
        "X-API-Key:${X_API_KEY}",
      ],
      env: { X_API_KEY: "<YOUR_X_API_KEY>" },
    });
    expect(JSON.parse(snippet(remote, "cursor")).mcpServers["hybrid-mcp"].headers).toEqual({
      "X-API-Key": "<YOUR_X_API_KEY>",
    });
    expect(JSON.parse(snippet(options[2], "vscode")).servers["hybrid-mcp"].type).toBe("sse");
  });

  it("remote URL variables become placeholders", () => {
    const [option] = buildInstallOptions(example("15-remote-server-with-url-templating.json"));
    expect(JSON.parse(snippet(option, "cursor")).mcpServers["multi-tenant-server"].url).toBe(
      "https://anonymous.modelcontextprotocol.io/mcp/<tenant_id>",
    );
    expect(JSON.parse(snippet(option, "vscode")).servers["multi-tenant-server"].url).toBe(
      "https://anonymous.modelcontextprotocol.io/mcp/${input:tenant_id}",
    );
  });

  it("a package serving HTTP: the URL takes the argument's default", () => {
    const [option] = buildInstallOptions(example("17-local-server-with-url-templating.json"));
    expect(JSON.parse(snippet(option, "vscode")).servers["configurable-server"]).toEqual({
      type: "http",
      url: "http://localhost:3000/mcp",
    });
  });

  it("mcpb, cargo and no packages: notes instead of invented commands", () => {
    const [mcpb] = buildInstallOptions(example("12-mcp-bundle-mcpb-package-example.json"));
    expect(mcpb?.snippets).toEqual([]);
    expect(mcpb?.notes.join(" ")).toContain("fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce");
    const [cargo] = buildInstallOptions(example("08-cargo-rust-package-example.json"));
    expect(snippet(cargo, "cargo")).toBe("cargo install widget-mcp --version 0.3.0");
    expect(buildInstallOptions(example("14-server-with-custom-installation-path.json"))).toEqual([]);
  });

  it("never prints a secret's value or default, even when the author wrote one", () => {
    const server: ServerJson = {
      name: "io.github.x/leak",
      description: "d",
      version: "1.0.0",
      packages: [
        {
          registryType: "npm",
          identifier: "leak",
          version: "1.0.0",
          transport: { type: "stdio" },
          environmentVariables: [
            { name: "TOKEN", isSecret: true, isRequired: true, value: "hunter2", default: "hunter3" },
            {
              name: "AUTH",
              isRequired: true,
              value: "Bearer {tok}",
              variables: { tok: { isSecret: true, default: "s3cret" } },
            },
          ],
          packageArguments: [{ type: "named", name: "--key", isSecret: true, isRequired: true, default: "k3y" }],
        },
      ],
      remotes: [
        {
          type: "streamable-http",
          url: "https://x.example/mcp",
          headers: [{ name: "Authorization", isSecret: true, value: "Bearer abc" }],
        },
      ],
    };
    const all = buildInstallOptions(server)
      .flatMap((o) => o.snippets.map((s) => s.text))
      .join("\n");
    for (const secret of ["hunter2", "hunter3", "s3cret", "k3y", "Bearer abc"]) expect(all).not.toContain(secret);
    expect(all).toContain("Bearer <YOUR_TOK>");
    expect(all).toContain("<YOUR_TOKEN>");
    expect(all).toContain("${input:authorization}");
    const settings = buildInstallOptions(server)[0]?.settings ?? [];
    expect(settings.find((s) => s.name === "TOKEN")?.default).toBeUndefined();
  });

  it("optional inputs without a value are left out of the snippets but listed as settings", () => {
    const [option] = buildInstallOptions(example("07-python-package-example.json"));
    expect(snippet(option, "uvx")).not.toContain("WEATHER_UNITS");
    expect(option?.settings.find((s) => s.name === "WEATHER_UNITS")).toMatchObject({
      default: "celsius",
      isRequired: false,
    });
  });
});

describe("quoteShell", () => {
  it("leaves safe words bare and single-quotes the rest", () => {
    expect(quoteShell("@scope/pkg@1.0.0")).toBe("@scope/pkg@1.0.0");
    expect(quoteShell("<X>")).toBe("'<X>'");
    expect(quoteShell("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(quoteShell("")).toBe("''");
  });
});
