/**
 * Resume tokens: the SSE `id:` of an event is its bus position
 * (`EventBus.position`), and the `Last-Event-ID` a client sends back is
 * turned into the position to resume after. Tokens are opaque to clients.
 *
 * @module
 */

/** Longest `Last-Event-ID` taken as is; a longer one cannot be a position. */
export const MAX_TOKEN_LENGTH = 1024;

// Kept as is: visible ASCII except "%"; anything else is percent-encoded,
// so a token never holds CR, LF, NUL or spaces.
const UNSAFE = /[^\x21-\x24\x26-\x7e]/gu;

/**
 * The SSE `id` for a bus position, or `undefined` when the event has none
 * (then the message carries no `id:` and the client keeps its last one).
 */
export function encodeResumeToken(
  position: string | undefined,
): string | undefined {
  if (position === undefined || position === "") return undefined;
  return position.replace(UNSAFE, (c) => encodeURIComponent(c));
}

/**
 * The position to resume after, from a `Last-Event-ID` value: `undefined`
 * for none (absent or empty). A token that cannot be decoded, or longer
 * than {@linkcode MAX_TOKEN_LENGTH}, is returned in a form no bus knows, so
 * that the bus reports an `"unknown"` gap for it.
 */
export function decodeResumeToken(
  token: string | null | undefined,
): string | undefined {
  if (token === null || token === undefined) return undefined;
  const trimmed = token.trim();
  if (trimmed === "") return undefined;
  if (trimmed.length > MAX_TOKEN_LENGTH) {
    return `invalid:${trimmed.slice(0, 64)}...`;
  }
  try {
    return decodeURIComponent(trimmed);
  } catch {
    return `invalid:${trimmed.slice(0, 64)}`;
  }
}
