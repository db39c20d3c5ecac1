// Where a server's page lives, relative to the site root. Shared by the build and the browser code.

/**
 * One path segment for a namespace or name. Names that follow the official rules pass through unchanged; anything
 * else (`.`, `..`, characters outside the official set) is spelled as `~` plus UTF-8 hex, so that no name can climb
 * out of `s/` or collide with a valid one (`~` is not allowed in names).
 */
export function pathSegment(part: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(part) && part !== "." && part !== "..") return part;
  let hex = "~";
  for (const byte of new TextEncoder().encode(part)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Splits `namespace/name` at the first slash (a name without a slash gets an empty namespace). */
export function splitName(fullName: string): [namespace: string, name: string] {
  const slash = fullName.indexOf("/");
  return slash === -1 ? ["", fullName] : [fullName.slice(0, slash), fullName.slice(slash + 1)];
}

/** The directory of a server's page, e.g. `s/io.github.example/weather-mcp/` (ends with a slash). */
export function serverPageDir(fullName: string): string {
  const [namespace, name] = splitName(fullName);
  return `s/${pathSegment(namespace)}/${pathSegment(name)}/`;
}
