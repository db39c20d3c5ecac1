// Real plain static servers for the conformance tests: `python3 -m http.server` and nginx with Debian's
// default site configuration (mime.types, default_type application/octet-stream, index index.html,
// try_files $uri $uri/ =404), each a child process on 127.0.0.1 that the test stops afterwards.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface RunningHost {
  /** Base URL of the served root, with a trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/** The absolute path of a program, or null when it is not installed. */
export function findProgram(name: string, extra: readonly string[] = []): string | null {
  for (const candidate of extra) if (fs.existsSync(candidate)) return candidate;
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const found = r.status === 0 ? r.stdout.trim() : "";
  return found === "" ? null : found;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** python3 -m http.server on port 0; the bound port is read from its first line of output. */
export async function startPythonHttpServer(root: string, python = "python3"): Promise<RunningHost> {
  const child = spawn(python, ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000))); // request log; kept for errors
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`python3 -m http.server did not start in 10 s: ${out}${stderr}`)),
      10_000,
    );
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`python3 -m http.server exited with ${code}: ${stderr}`));
    });
  });
  return { url: `http://127.0.0.1:${port}/`, close: () => stop(child) };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`nginx exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 10 s: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The nginx.conf of a Debian install reduced to what serving files needs, with every path in `dir`. */
function debianLikeNginxConf(opts: {
  dir: string;
  root: string;
  port: number;
  mimeTypes: string;
  runAsRoot: boolean;
}): string {
  const t = (name: string) => path.join(opts.dir, name);
  return `${opts.runAsRoot ? "user root;\n" : ""}daemon off;
worker_processes 1;
pid ${t("nginx.pid")};
error_log ${t("error.log")} warn;
events { worker_connections 128; }
http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include ${opts.mimeTypes};
    default_type application/octet-stream;
    access_log off;
    gzip on;
    client_body_temp_path ${t("client_body")};
    proxy_temp_path ${t("proxy")};
    fastcgi_temp_path ${t("fastcgi")};
    uwsgi_temp_path ${t("uwsgi")};
    scgi_temp_path ${t("scgi")};
    # /etc/nginx/sites-available/default
    server {
        listen 127.0.0.1:${opts.port} default_server;
        root ${opts.root};
        index index.html index.htm index.nginx-debian.html;
        server_name _;
        location / {
            try_files $uri $uri/ =404;
        }
    }
}
`;
}

export async function startNginx(root: string, nginx: string): Promise<RunningHost> {
  const mimeTypes = ["/etc/nginx/mime.types", path.join(path.dirname(nginx), "../conf/mime.types")].find((p) =>
    fs.existsSync(p),
  );
  if (!mimeTypes) throw new Error("nginx is installed but its mime.types was not found (looked in /etc/nginx)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, debianLikeNginxConf({ dir, root, port, mimeTypes, runAsRoot: process.getuid?.() === 0 }));
    const child = spawn(nginx, ["-c", conf, "-p", dir, "-e", path.join(dir, "error.log")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const log = () =>
      stderr + (fs.existsSync(path.join(dir, "error.log")) ? fs.readFileSync(path.join(dir, "error.log"), "utf8") : "");
    try {
      await waitForPort(port, child, log);
      return {
        url: `http://127.0.0.1:${port}/`,
        close: async () => {
          await stop(child);
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      lastError = e;
      await stop(child);
      if (!/Address already in use/.test(log())) break; // only a lost port race is worth another try
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
