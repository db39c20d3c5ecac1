// The browse site's only script (bundled to assets/app.js): search as you type on the home page, copy buttons on
// server pages. It fetches one file, the search index, from its own origin, and builds DOM with textContent only.

import { serverPageDir } from "./paths.ts";
import {
  STATUS_CODES,
  TRANSPORT_REMOTE,
  prepareIndex,
  search,
  sortHits,
  type PreparedIndex,
  type SearchFilters,
  type SearchHit,
  type SearchIndexFile,
} from "./search.ts";

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function badge(text: string, modifier?: string): HTMLLIElement {
  const li = el("li");
  li.append(el("span", modifier === undefined ? "badge" : `badge badge-${modifier}`, text));
  return li;
}

/** The same markup as resultItem() in site/render.ts. */
function resultItem(index: PreparedIndex, i: number): HTMLLIElement {
  const file = index.file;
  const li = el("li", "result");
  const h2 = el("h2", "result-name");
  const a = el("a", undefined, index.fullName[i] ?? "");
  a.href = serverPageDir(index.fullName[i] ?? "");
  h2.append(a);
  const title = file.title[i] ?? "";
  const versions = file.versions[i] ?? 1;
  const meta = `${title === "" ? "" : `${title} · `}v${file.version[i] ?? ""}${versions > 1 ? ` · ${versions} versions` : ""}`;
  li.append(h2, el("p", "result-meta", meta), el("p", "result-desc", file.description[i] ?? ""));
  const badges = el("ul", "badges");
  badges.setAttribute("aria-label", "Facts");
  const status = STATUS_CODES[file.status[i] ?? 0] ?? "active";
  if (status !== "active") badges.append(badge(status, status));
  for (const t of file.packages[i] ?? []) badges.append(badge(file.packageTypes[t] ?? ""));
  if ((file.transport[i] ?? 0) & TRANSPORT_REMOTE) badges.append(badge("remote"));
  if (badges.childElementCount > 0) li.append(badges);
  return li;
}

/** The home page's controls; the query, the filters and the order are all kept in the URL. */
interface SearchControls {
  readonly form: HTMLFormElement;
  readonly input: HTMLInputElement;
  readonly selects: Readonly<Record<SelectKey, HTMLSelectElement | null>>;
  readonly list: HTMLElement;
  readonly count: HTMLElement;
  readonly more: HTMLElement;
  /** The "new this week" and "recently updated" sections, shown only while nobody searches, filters or sorts. */
  readonly recent: HTMLElement | null;
}

type SelectKey = "packageType" | "transport" | "status" | "sort";
/** Each select's URL parameter. */
const PARAM_NAMES: Readonly<Record<SelectKey, string>> = {
  packageType: "type",
  transport: "transport",
  status: "status",
  sort: "sort",
};

function findControls(form: HTMLFormElement): SearchControls | undefined {
  const input = form.querySelector<HTMLInputElement>("#q");
  const list = document.getElementById("results");
  const count = document.getElementById("result-count");
  const more = document.getElementById("more");
  if (input == null || list == null || count == null || more == null) return undefined;
  const selects = {
    packageType: form.querySelector<HTMLSelectElement>("#f-type"),
    transport: form.querySelector<HTMLSelectElement>("#f-transport"),
    status: form.querySelector<HTMLSelectElement>("#f-status"),
    sort: form.querySelector<HTMLSelectElement>("#f-sort"),
  };
  return { form, input, selects, list, count, more, recent: document.getElementById("recent") };
}

/** Restores the query, filters and order from the URL, so a search can be shared and survives a reload. */
function readUrl(c: SearchControls): void {
  const params = new URLSearchParams(location.search);
  c.input.value = params.get("q") ?? "";
  for (const key of Object.keys(PARAM_NAMES) as SelectKey[]) {
    const select = c.selects[key];
    const wanted = params.get(PARAM_NAMES[key]);
    if (select != null && wanted != null && Array.from(select.options).some((o) => o.value === wanted))
      select.value = wanted;
  }
}

function filtersOf(c: SearchControls): SearchFilters {
  return {
    packageType: c.selects.packageType?.value ?? "",
    transport: c.selects.transport?.value ?? "",
    status: c.selects.status?.value ?? "",
  };
}

/** The URL's query string for the current state; "" when everything is at its default. */
function urlQuery(c: SearchControls): string {
  const next = new URLSearchParams();
  if (c.input.value !== "") next.set("q", c.input.value);
  for (const key of Object.keys(PARAM_NAMES) as SelectKey[]) {
    const value = c.selects[key]?.value ?? "";
    if (value !== "") next.set(PARAM_NAMES[key], value);
  }
  return next.toString();
}

/** Renders the hits a page at a time; `reset` starts over with new hits. */
function pagedList(c: SearchControls, index: PreparedIndex, pageSize: number) {
  let hits: SearchHit[] = [];
  let shown = 0;
  const showMore = (): number => {
    const first = shown;
    const fragment = document.createDocumentFragment();
    const end = Math.min(hits.length, shown + pageSize);
    for (; shown < end; shown++) fragment.append(resultItem(index, hits[shown]?.index ?? 0));
    c.list.append(fragment);
    c.more.hidden = shown >= hits.length;
    return first;
  };
  const reset = (next: SearchHit[]): void => {
    hits = next;
    shown = 0;
    c.list.replaceChildren();
    showMore();
    c.count.textContent = hits.length === 1 ? "1 server" : `${hits.length} servers`;
  };
  return { showMore, reset };
}

/** Runs the search for the current state, shows it and writes it to the URL. */
function showResults(c: SearchControls, index: PreparedIndex, list: ReturnType<typeof pagedList>): void {
  const hits = search(index, c.input.value, filtersOf(c));
  list.reset(sortHits(index, hits, c.selects.sort?.value ?? ""));
  const query = urlQuery(c);
  if (c.recent != null) c.recent.hidden = query !== "";
  history.replaceState(null, "", query === "" ? location.pathname : `?${query}`);
}

/** `/` focuses the search box from anywhere but a field; Escape clears it (as typing would: an input event). */
function bindKeyboard(input: HTMLInputElement): void {
  document.addEventListener("keydown", (event) => {
    const target = event.target as HTMLElement | null;
    const isTyping =
      target != null && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
    if (event.key === "/" && !isTyping && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    } else if (event.key === "Escape" && target === input && input.value !== "") {
      input.value = "";
      input.dispatchEvent(new Event("input"));
    }
  });
}

/** Fetches the search index from the site's own origin. */
async function loadIndex(form: HTMLFormElement): Promise<PreparedIndex> {
  const url = new URL(form.dataset.index ?? "assets/search-index.json", document.baseURI);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return prepareIndex((await response.json()) as SearchIndexFile);
}

/** Wires the controls to the index once it has arrived: typing and choosing rerun the search, once a frame. */
function startSearching(c: SearchControls, index: PreparedIndex): void {
  const list = pagedList(c, index, Number(c.form.dataset.pageSize) || 50);
  const update = (): void => showResults(c, index, list);
  let pending = false;
  const schedule = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  };
  c.input.addEventListener("input", schedule);
  for (const select of Object.values(c.selects)) select?.addEventListener("change", schedule);
  c.form.addEventListener("submit", (event) => {
    event.preventDefault();
    update();
  });
  c.more.addEventListener("click", () => {
    const first = list.showMore();
    // keep keyboard users in place: focus the first new result's link
    c.list.children[first]?.querySelector("a")?.focus();
  });
  c.form.dataset.ready = "true";
  update();
  // the benchmark's "time to interactive": the index is in and the first results are on screen
  performance.mark("search-ready");
  // Warm the fuzzy matcher up before the first keystroke (the JIT makes the first run several times slower).
  setTimeout(() => search(index, "warm"), 0);
}

function setUpSearch(form: HTMLFormElement): void {
  const controls = findControls(form);
  if (controls === undefined) return;
  readUrl(controls);
  bindKeyboard(controls.input);
  if (controls.recent != null) controls.recent.hidden = urlQuery(controls) !== "";
  form.addEventListener("submit", (event) => event.preventDefault());
  loadIndex(form).then(
    (index) => startSearching(controls, index),
    (error: unknown) => {
      controls.count.textContent = `Search is unavailable (${String(error)}); the list shows the first servers by name.`;
    },
  );
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (no permission, insecure context): fall back to a selection and execCommand.
    const area = el("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }
}

function setUpCopyButtons(): void {
  const status = document.getElementById("copy-status");
  for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>("button[data-copy]"))) {
    const target = document.getElementById(button.dataset.copy ?? "");
    if (target == null) continue;
    const label = button.firstChild;
    button.hidden = false;
    button.addEventListener("click", () => {
      copyText(target.textContent ?? "").then(
        () => {
          if (label != null) label.textContent = "Copied";
          if (status != null) status.textContent = "Copied to the clipboard.";
          setTimeout(() => {
            if (label != null) label.textContent = "Copy";
          }, 2000);
        },
        () => {
          if (status != null) status.textContent = "Could not copy; select the text and copy it by hand.";
        },
      );
    });
  }
}

const form = document.getElementById("search");
if (form instanceof HTMLFormElement) setUpSearch(form);
setUpCopyButtons();
