/**
 * Server-Sent Events framing (the `text/event-stream` format of the HTML
 * standard): fields `id`, `event`, `data`, `retry` and comments.
 *
 * @module
 */

/** One message of an event stream. */
export interface SseMessage {
  /** `id:`, which the client sends back as `Last-Event-ID` (no CR, LF, NUL). */
  id?: string;
  /** `event:`, the name `EventSource` dispatches (no CR or LF). */
  event?: string;
  /** `data:`; written as one `data:` line per line of the text. */
  data?: string;
  /** `retry:`, the client's reconnection delay in milliseconds. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Formats one message, ended by a blank line. Multi-line `data` becomes
 * one `data:` line per line (CRLF, CR and LF all count as line breaks, as
 * for the client), so the client's `event.data` is the lines joined by LF.
 *
 * @throws {TypeError} for an `id` with CR, LF or NUL, an `event` with CR or
 * LF, or a `retry` that is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { formatSseMessage } from "@mcb/event-bus/sse";
 * formatSseMessage({ id: "7", event: "note", data: "a\nb" });
 * // "id: 7\nevent: note\ndata: a\ndata: b\n\n"
 * ```
 */
export function formatSseMessage(message: SseMessage): string {
  let out = "";
  if (message.id !== undefined) {
    if (/[\r\n\0]/.test(message.id)) {
      throw new TypeError(
        `SSE id must not contain CR, LF or NUL, got ${
          JSON.stringify(message.id)
        }`,
      );
    }
    out += `id: ${message.id}\n`;
  }
  if (message.event !== undefined) {
    if (/[\r\n]/.test(message.event)) {
      throw new TypeError(
        `SSE event name must not contain CR or LF, got ${
          JSON.stringify(message.event)
        }`,
      );
    }
    out += `event: ${message.event}\n`;
  }
  if (message.retry !== undefined) {
    if (!Number.isSafeInteger(message.retry) || message.retry < 0) {
      throw new TypeError(
        `SSE retry must be an integer >= 0, got ${message.retry}`,
      );
    }
    out += `retry: ${message.retry}\n`;
  }
  if (message.data !== undefined) {
    for (const line of message.data.split(LINE_BREAK)) {
      out += `data: ${line}\n`;
    }
  }
  return out + "\n";
}

/**
 * Formats a comment (ignored by clients; keeps idle connections open
 * through proxies), one `:` line per line of `text`.
 */
export function formatSseComment(text: string): string {
  let out = "";
  for (const line of text.split(LINE_BREAK)) out += `: ${line}\n`;
  return out + "\n";
}
