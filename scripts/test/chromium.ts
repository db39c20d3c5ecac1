// One way for the browser tests to find and start Debian's Chromium (driven by playwright-core, no browser
// download). Without Chromium a suite is skipped with a clear message, except in CI (CI=true), where a missing
// Chromium fails: .ci/run installs it (apt-get install -y chromium).

import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const IS_CI = process.env["CI"] === "true" || process.env["CI"] === "1";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SKIP_MESSAGE = `skipped: Chromium not found at ${CHROMIUM}; install it with apt-get install chromium`;

/** Whether a browser suite runs here (with Chromium, or in CI, where its absence is a failure). */
export const SHOULD_RUN_BROWSER_TESTS = HAS_CHROMIUM || IS_CI;

/** The suite's title, or the skip message (warned once per file) when Chromium is missing outside CI. */
export function browserSuiteTitle(file: string, title: string): string {
  if (SHOULD_RUN_BROWSER_TESTS) return title;
  console.warn(`${file} ${SKIP_MESSAGE}`);
  return SKIP_MESSAGE;
}

/** A headless Chromium with a fresh empty profile and none of its own network traffic (this machine has none). */
export async function launchChromium(): Promise<Browser> {
  if (!HAS_CHROMIUM)
    throw new Error(
      `Chromium not found at ${CHROMIUM}, and CI requires the browser tests (.ci/run installs it: apt-get install -y chromium)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
