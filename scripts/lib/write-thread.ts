// The writer thread of the tree writer (write.ts starts it, from an esbuild bundle of this module, and hands it
// batches of files). The thread writes each batch's files in order, creating each folder once, and reports
// progress in shared memory so that put() on the build's thread can block while too much is in flight.

import fs from "node:fs";
import path from "node:path";
import { isMainThread, parentPort, workerData } from "node:worker_threads";

/** Files handed over together: their bytes in one transferred buffer, a body the API repeats stored once. */
export interface WriteBatch {
  readonly rels: string[];
  readonly starts: number[];
  readonly ends: number[];
  readonly buffer: ArrayBuffer;
}

// Int32 slots of the shared state: the build's thread adds the batch's files and buffer size to FILES and BYTES
// before handing it over; this thread subtracts each file as it is written (and the buffer after the last),
// and notifies FILES after each batch. FAILED is set with the first error (its text in the error buffer), STOP tells the
// thread to skip what is left, READY says it started.
export const FILES = 0;
export const BYTES = 1;
export const FAILED = 2;
export const STOP = 3;
export const READY = 4;
export const ERROR_LEN = 5;
export const SLOTS = 6;

/** Write one file of a batch under `root`, making its folders first (once each: `made` remembers them). */
export function writeOne(root: string, made: Set<string>, rel: string, bytes: Uint8Array): void {
  const mkdirs = (d: string): void => {
    if (made.has(d)) return;
    mkdirs(path.posix.dirname(d));
    fs.mkdirSync(path.join(root, d));
    made.add(d);
  };
  mkdirs(path.posix.dirname(rel));
  fs.writeFileSync(path.join(root, rel), bytes);
}

export const writeErrorMessage = (rel: string, e: unknown) =>
  `could not write ${rel}: ${e instanceof Error ? e.message : String(e)}`;

interface ThreadData {
  readonly role: "tree-writer";
  readonly root: string;
  readonly state: Int32Array;
  readonly errorText: Uint8Array;
}

function serve(data: ThreadData): void {
  const { root, state, errorText } = data;
  const made = new Set<string>(["."]);
  parentPort!.on("message", (batch: WriteBatch) => {
    const bytes = new Uint8Array(batch.buffer);
    for (let i = 0; i < batch.rels.length; i++) {
      const rel = batch.rels[i]!;
      if (Atomics.load(state, FAILED) === 0 && Atomics.load(state, STOP) === 0) {
        try {
          writeOne(root, made, rel, bytes.subarray(batch.starts[i], batch.ends[i]));
        } catch (e) {
          const text = Buffer.from(writeErrorMessage(rel, e)).subarray(0, errorText.length);
          errorText.set(text);
          Atomics.store(state, ERROR_LEN, text.length);
          Atomics.store(state, FAILED, 1);
        }
      }
      if (i === batch.rels.length - 1) Atomics.sub(state, BYTES, batch.buffer.byteLength);
      Atomics.sub(state, FILES, 1);
    }
    Atomics.notify(state, FILES); // once a batch: a waiting put() wakes for a batch's room, not for every file
  });
  Atomics.store(state, READY, 1);
  Atomics.notify(state, FILES);
}

const data = workerData as Partial<ThreadData> | null;
if (!isMainThread && data?.role === "tree-writer") serve(data as ThreadData);
