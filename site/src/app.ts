// The browse site's only script (bundled to assets/app.js): search as you type on the home page, copy buttons on
// server pages. It fetches one file, the search index, from its own origin, and builds DOM with textContent only.

import { serverPageDir } from "./paths.ts";
import {
  STATUS_CODES,
  TRANSPORT_REMOTE,
  prepareIndex,
  search,
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

function setUpSearch(form: HTMLFormElement): void {
  const input = form.querySelector<HTMLInputElement>("#q");
  const selects = {
    packageType: form.querySelector<HTMLSelectElement>("#f-type"),
    transport: form.querySelector<HTMLSelectElement>("#f-transport"),
    status: form.querySelector<HTMLSelectElement>("#f-status"),
  };
  const list = document.getElementById("results");
  const count = document.getElementById("result-count");
  const more = document.getElementById("more");
  if (input == null || list == null || count == null || more == null) return;
  const pageSize = Number(form.dataset.pageSize) || 50;
  let index: PreparedIndex | undefined;
  let hits: SearchHit[] = [];
  let shown = 0;

  // The URL carries the query, so searches can be shared and survive reloads.
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") ?? "";
  const paramNames = { packageType: "type", transport: "transport", status: "status" } as const;
  for (const key of Object.keys(selects) as (keyof typeof selects)[]) {
    const select = selects[key];
    const wanted = params.get(paramNames[key]);
    if (select != null && wanted != null && Array.from(select.options).some((o) => o.value === wanted))
      select.value = wanted;
  }

  const filters = (): SearchFilters => ({
    packageType: selects.packageType?.value ?? "",
    transport: selects.transport?.value ?? "",
    status: selects.status?.value ?? "",
  });

  const showMore = (): void => {
    if (index === undefined) return;
    const fragment = document.createDocumentFragment();
    const end = Math.min(hits.length, shown + pageSize);
    for (; shown < end; shown++) fragment.append(resultItem(index, hits[shown]?.index ?? 0));
    list.append(fragment);
    more.hidden = shown >= hits.length;
  };

  const update = (): void => {
    if (index === undefined) return;
    const f = filters();
    hits = search(index, input.value, f);
    list.replaceChildren();
    shown = 0;
    showMore();
    count.textContent = hits.length === 1 ? "1 server" : `${hits.length} servers`;
    const next = new URLSearchParams();
    if (input.value !== "") next.set("q", input.value);
    if (f.packageType) next.set("type", f.packageType);
    if (f.transport) next.set("transport", f.transport);
    if (f.status) next.set("status", f.status);
    const query = next.toString();
    history.replaceState(null, "", query === "" ? location.pathname : `?${query}`);
  };

  let pending = false;
  const schedule = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  };
  input.addEventListener("input", schedule);
  for (const select of Object.values(selects)) select?.addEventListener("change", schedule);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    update();
  });
  more.addEventListener("click", () => {
    const first = shown;
    showMore();
    // keep keyboard users in place: focus the first new result's link
    list.children[first]?.querySelector("a")?.focus();
  });
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
      schedule();
    }
  });

  const url = new URL(form.dataset.index ?? "assets/search-index.json", document.baseURI);
  fetch(url)
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json() as Promise<SearchIndexFile>;
    })
    .then((file) => {
      const prepared = prepareIndex(file);
      index = prepared;
      form.dataset.ready = "true";
      update();
      // Warm the fuzzy matcher up before the first keystroke (the JIT makes the first run several times slower).
      setTimeout(() => search(prepared, "warm"), 0);
    })
    .catch((error: unknown) => {
      count.textContent = `Search is unavailable (${String(error)}); the list shows the first servers by name.`;
    });
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
