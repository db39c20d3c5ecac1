// Shared by the command-line entry points: errors at the boundary and diagnostic printing.

import { formatDiagnostic, formatSummary, type Diagnostic } from "./diagnostics.ts";
import { visible, visibleLines } from "./terminal.ts";

/** A failure of the user's input or invocation: printed without a stack, exit code 1 (or 2 for usage). */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Run a CLI main; turn ExitError into a message and anything else into a "this is a bug" report. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === "number") process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof ExitError) {
        // Messages quote paths, URLs and upstream text: one line, control characters visible.
        process.stderr.write(`error: ${visible(e.message)}\n`);
        process.exitCode = e.exitCode;
      } else {
        process.stderr.write(`internal error (this is a bug in the registry scripts, please open an issue):\n${visibleLines(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
        process.exitCode = 3;
      }
    },
  );
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], files: number, out: NodeJS.WritableStream = process.stderr): void {
  for (const d of diagnostics) out.write(formatDiagnostic(d) + "\n");
  out.write(formatSummary(diagnostics, files) + "\n");
}
