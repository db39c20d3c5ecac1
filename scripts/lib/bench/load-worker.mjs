// Load generator for measureServeThroughput (serve.ts), run in a worker thread so it never shares the
// server's event loop. Plain JavaScript: a worker does not inherit tsx's TypeScript loader everywhere.
// `concurrency` loops each keep one request in flight on their own keep-alive socket, round-robin over the
// paths; latencies after the warm-up are recorded and summarised (p50, p99, max).

import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { host, port, paths, durationMs, warmupMs, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const start = performance.now();
const measureFrom = start + warmupMs;
const deadline = measureFrom + durationMs;
const latencies = [];
const statuses = {};
let errors = 0;
let bytes = 0;
let next = 0;

function once(path) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get({ host, port, path, agent }, (res) => {
      let n = 0;
      res.on("data", (chunk) => (n += chunk.length));
      res.on("end", () => resolve({ t0, t1: performance.now(), status: res.statusCode ?? 0, n }));
      res.on("error", () => resolve({ t0, t1: performance.now(), status: -1, n }));
    });
    req.on("error", () => resolve({ t0, t1: performance.now(), status: -1, n: 0 }));
  });
}

async function loop() {
  while (performance.now() < deadline) {
    const path = paths[next++ % paths.length];
    const r = await once(path);
    if (r.t0 < measureFrom) continue;
    latencies.push(r.t1 - r.t0);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status !== 200) errors++;
    bytes += r.n;
  }
}

await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = performance.now() - measureFrom;
agent.destroy();
latencies.sort((a, b) => a - b);
const pick = (q) =>
  latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
const round = (x) => Math.round(x * 1000) / 1000;
parentPort.postMessage({
  requests: latencies.length,
  durationMs: round(elapsed),
  requestsPerSecond: Math.round((latencies.length / elapsed) * 1000),
  p50Ms: round(pick(0.5)),
  p99Ms: round(pick(0.99)),
  maxMs: round(latencies.at(-1) ?? 0),
  bytes,
  errors,
  statuses,
});
