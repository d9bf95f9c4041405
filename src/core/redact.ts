/**
 * Keeping credentials out of what is shown.
 *
 * @module
 */

/**
 * Shows a URL without any user:password part.
 *
 * @param url A URL, possibly with credentials.
 * @returns The URL with `user:pass@` replaced by `[redacted]@`.
 *
 * @example
 * ```ts
 * import { redactUrl } from "@mcb/event-bus";
 * console.log(redactUrl("wss://bob:pw@host:443")); // "wss://[redacted]@host:443"
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1[redacted]@");
}
