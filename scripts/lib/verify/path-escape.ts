// Go's url.PathEscape, which the official validators use to put identifiers into URLs: a scoped npm
// name `@scope/pkg` becomes `@scope%2Fpkg`, and `/` or `..` cannot steer a request to another package.

const KEEP = {
  "%24": "$",
  "%26": "&",
  "%2B": "+",
  "%2C": ",",
  "%3A": ":",
  "%3B": ";",
  "%3D": "=",
  "%40": "@",
} as const;

export function pathEscape(segment: string): string {
  return encodeURIComponent(segment)
    .replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (m) => KEEP[m as keyof typeof KEEP])
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
