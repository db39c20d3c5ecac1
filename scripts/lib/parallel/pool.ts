// A fixed pool of worker threads for the build's independent work (tasks.ts says which). Tasks are plain data
// in and out (structured clone); results come back in the order asked for whatever thread ran them, so a
// build with N threads makes the same bytes as one with none. The caller sizes the pool (the wiring uses
// os.availableParallelism()) and closes it.

import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { buildSync } from "esbuild";
import type { TaskInput, TaskName, TaskOutput } from "./tasks.ts";

const TASKS = fileURLToPath(new URL("./tasks.ts", import.meta.url));

const bundled = new Map<string, string>();
/**
 * A thread's module and everything it imports as one CommonJS script, made once per process and file: a worker
 * that evaluates it starts in milliseconds, where loading the TypeScript modules one by one through tsx cost
 * about a second of CPU per thread (measured), as much as the work it was to share. Also the tree writer's
 * thread (write.ts).
 */
export function threadScript(file: string): string {
  let text = bundled.get(file);
  if (text === undefined) {
    text = buildSync({
      entryPoints: [file],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      write: false,
      logLevel: "silent",
    }).outputFiles[0]!.text;
    bundled.set(file, text);
  }
  return text;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly out?: unknown;
  readonly error?: string;
}

interface Pending {
  resolve(out: unknown): void;
  reject(e: Error): void;
}

export interface WorkerPool {
  readonly size: number;
  /**
   * Queue a task for the next idle thread. `ahead`: post it now to the thread with the fewest tasks, even a busy
   * one, for work handed out before this thread goes busy (it cannot hand out the next task then, and a
   * thread's own queue keeps it working).
   */
  run<K extends TaskName>(task: K, input: TaskInput<K>, ahead?: boolean): Promise<TaskOutput<K>>;
  close(): Promise<void>;
}

export function createWorkerPool(size: number): WorkerPool {
  const pending = new Map<number, Pending>();
  const queue: { id: number; task: TaskName; input: unknown }[] = [];
  /** Tasks posted to each thread and not answered yet. */
  const inFlight = new Map<Worker, number>();
  let nextId = 1;
  let failure: Error | undefined;

  const post = (worker: Worker, job: { id: number; task: TaskName; input: unknown }) => {
    worker.postMessage(job); // throws (DataCloneError) before anything is posted
    inFlight.set(worker, inFlight.get(worker)! + 1);
  };
  const dispatch = () => {
    for (const worker of workers) {
      if (queue.length === 0) return;
      if (inFlight.get(worker) === 0) post(worker, queue.shift()!);
    }
  };
  const leastBusy = () => workers.reduce((a, b) => (inFlight.get(b)! < inFlight.get(a)! ? b : a));
  const fail = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const workers = Array.from({ length: Math.max(1, size) }, () => {
    const worker = new Worker(threadScript(TASKS), { eval: true });
    worker.on("message", (reply: Reply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      inFlight.set(worker, inFlight.get(worker)! - 1);
      if (reply.ok) p?.resolve(reply.out);
      else p?.reject(new Error(`a build worker failed: ${reply.error}`));
      dispatch();
    });
    worker.on("error", (e) => fail(e));
    worker.on("exit", (code) => {
      if (inFlight.get(worker)! > 0) fail(new Error(`a build worker exited (code ${code}) during a task`));
    });
    inFlight.set(worker, 0);
    return worker;
  });

  return {
    size: workers.length,
    run(task, input, ahead = false) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      const promise = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      if (ahead) {
        try {
          post(leastBusy(), { id, task, input });
        } catch (e) {
          pending.delete(id);
          return Promise.reject(e as Error);
        }
      } else {
        queue.push({ id, task, input });
        dispatch();
      }
      return promise as Promise<TaskOutput<typeof task>>;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
