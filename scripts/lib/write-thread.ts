// A writer thread of the tree writer (write.ts starts one or two, from an esbuild bundle of this module, and
// hands each the batches of its own folders' files). The thread writes each batch's files in order, creating
// each folder once (one another thread made first is fine), and reports progress in shared memory so that put()
// on the build's thread can block while too much is in flight. It also pins each file as it writes it (the
// sha256 of the bytes, for the signed index: mirror/pins.ts), so that the build's thread does not hash what it
// publishes; write.ts asks for the pins with a PinsRequest.

import fs from "node:fs";
import path from "node:path";
import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import { createPinRecorder, sha256Hex, type PinRecorder, type Pins } from "./mirror/pins.ts";

/** Files handed over together: their bytes in one transferred buffer, a body the API repeats stored once. */
export interface WriteBatch {
  readonly rels: string[];
  readonly starts: number[];
  readonly ends: number[];
  readonly buffer: ArrayBuffer;
}

/** After the batches before it: post the pins of every file so far on the reply port, then pin no more. */
export interface PinsRequest {
  readonly pins: true;
}

/** The answer: the pins, or why the files could not be pinned (the recorder's error). */
export type PinsReply = { readonly pins: Pins } | { readonly error: string };

/**
 * Pin files `from`..`to` of a batch whose bytes are `bytes`. A body the batch stores once for a run of paths
 * (the same span) is hashed once: a run of the same string, as the recorder's own record() would.
 */
export function pinBatch(
  recorder: PinRecorder,
  batch: Omit<WriteBatch, "buffer">,
  bytes: Uint8Array,
  from: number,
  to: number,
): void {
  let sha = "";
  for (let i = from; i < to; i++) {
    const [start, end] = [batch.starts[i]!, batch.ends[i]!];
    if (i === from || start !== batch.starts[i - 1] || end !== batch.ends[i - 1])
      sha = sha256Hex(bytes.subarray(start, end));
    recorder.pin(batch.rels[i]!, sha);
  }
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

/**
 * Write one file of a batch under `root`, making its folders first (once each: `made` remembers them). The
 * writer threads share parent folders (each writes its own folders' files, write.ts), so a folder another
 * thread made first, even between this thread's check and its mkdir, is fine; a file in the way is not.
 */
export function writeOne(root: string, made: Set<string>, rel: string, bytes: Uint8Array): void {
  const mkdirs = (d: string): void => {
    if (made.has(d)) return;
    mkdirs(path.posix.dirname(d));
    const abs = path.join(root, d);
    try {
      fs.mkdirSync(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !fs.lstatSync(abs).isDirectory()) throw e;
    }
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
  /** Where the pins go; absent when the build's thread pinned the files already (write.ts pins()). */
  readonly pinsPort?: MessagePort;
}

function serve(data: ThreadData): void {
  const { root, state, errorText, pinsPort } = data;
  const made = new Set<string>(["."]);
  let recorder = pinsPort && createPinRecorder();
  let pinError = "";
  const fail = (text: Buffer) => {
    errorText.set(text.subarray(0, errorText.length));
    Atomics.store(state, ERROR_LEN, Math.min(text.length, errorText.length));
    Atomics.store(state, FAILED, 1);
  };
  parentPort!.on("message", (message: WriteBatch | PinsRequest) => {
    if ("pins" in message) {
      if (pinsPort && Atomics.load(state, FAILED) === 0)
        pinsPort.postMessage(recorder ? { pins: recorder.pins() } : { error: pinError });
      recorder = undefined;
      Atomics.sub(state, FILES, 1); // the request counted as a file in flight: put()'s waits see it drain
      Atomics.notify(state, FILES);
      return;
    }
    const batch = message;
    const bytes = new Uint8Array(batch.buffer);
    for (let i = 0; i < batch.rels.length; i++) {
      const rel = batch.rels[i]!;
      if (Atomics.load(state, FAILED) === 0 && Atomics.load(state, STOP) === 0) {
        try {
          writeOne(root, made, rel, bytes.subarray(batch.starts[i], batch.ends[i]));
        } catch (e) {
          fail(Buffer.from(writeErrorMessage(rel, e)));
        }
      }
      if (i === batch.rels.length - 1) Atomics.sub(state, BYTES, batch.buffer.byteLength);
      Atomics.sub(state, FILES, 1);
    }
    // After the batch's writes, so that a waiting put() is not held up by the hashing.
    if (recorder && Atomics.load(state, FAILED) === 0 && Atomics.load(state, STOP) === 0) {
      try {
        pinBatch(recorder, batch, bytes, 0, batch.rels.length);
      } catch (e) {
        // Files out of pin order (a server's files apart) are the index's error, not the write's: pins() throws it.
        pinError = e instanceof Error ? e.message : String(e);
        recorder = undefined;
      }
    }
    Atomics.notify(state, FILES); // once a batch: a waiting put() wakes for a batch's room, not for every file
  });
  Atomics.store(state, READY, 1);
  Atomics.notify(state, FILES);
}

const data = workerData as Partial<ThreadData> | null;
if (!isMainThread && data?.role === "tree-writer") serve(data as ThreadData);
