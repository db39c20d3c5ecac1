// ESLint flat config (STYLE.md rule 23). typescript-eslint's `recommended`, not the type-checked presets: the lint
// runs inside `npm test` and must stay a few seconds on 2 cores, and `tsc --noEmit` runs just before it anyway.
import js from "@eslint/js";
import vitest from "@vitest/eslint-plugin";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Browser code: bundled by site/build.ts into the site's assets/app.js. Its tests run in node. */
const BROWSER = ["site/src/**/*.ts"];
const TESTS = ["**/*.test.ts"];

export default defineConfig(
  // Installed, built, generated or bundled output (dist/assets/app.js is the bundled site/src/app.ts).
  globalIgnores(["**/node_modules/", "dist/", "**/.dist-*/", "coverage/", "test-artifacts/"]),
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: ["error", "always", { null: "never" }],
    },
  },
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Node everywhere (scripts, site build, tests, this file, the plain-JS scripts/lib/bench/load-worker.mjs) ...
    files: ["**/*.{ts,js,mjs}"],
    ignores: BROWSER,
    languageOptions: { globals: globals.node },
  },
  {
    // ... except the code that runs in the browser.
    files: BROWSER,
    ignores: TESTS,
    languageOptions: { globals: globals.browser },
  },
  {
    files: TESTS,
    languageOptions: { globals: globals.node },
  },
  {
    files: TESTS,
    ...vitest.configs.recommended,
  },
  {
    files: TESTS,
    rules: {
      // Helpers that assert are named expect* (expectGolden, expectInSync, expectCases).
      "vitest/expect-expect": ["error", { assertFunctionNames: ["expect", "expect*", "assert"] }],
      // vitest's expect takes a message as its second argument: expect(value, "what failed").
      "vitest/valid-expect": ["error", { maxArgs: 2 }],
      // describe(label, ...) in a helper that builds one suite per host.
      "vitest/valid-title": ["error", { allowArguments: true }],
    },
  },
);
