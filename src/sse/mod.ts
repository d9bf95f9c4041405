/**
 * Live admin panels over Server-Sent Events: {@linkcode sseResponse} turns
 * any `EventBus` into a web-standard `text/event-stream` `Response` that a
 * browser reads with `EventSource`, with resume after a reconnect
 * (`Last-Event-ID`), keep-alives, a bounded buffer per client and an
 * `authorize` hook. Web-standard APIs only: it runs in Deno, Bun, Node (with
 * a small adapter, see `docs/sse.md`), workers and edge runtimes. A server
 * returns the response as is, e.g.
 * `Deno.serve((request) => sseResponse(bus, ">", { request }))`.
 *
 * @example The stream a page's `EventSource` reads
 * ```ts
 * import { createLocalEventBus, mcbEvents } from "@mcb/event-bus";
 * import { sseResponse } from "@mcb/event-bus/sse";
 *
 * // `history` lets a reconnecting page resume where it stopped.
 * const bus = createLocalEventBus(mcbEvents, { history: 1000 });
 * const client = new AbortController(); // the page going away
 * const response = await sseResponse(bus, "indexing.*", {
 *   request: new Request("http://localhost/events", {
 *     signal: client.signal,
 *   }),
 *   authorize: (request) => request.url.endsWith("/events"),
 * });
 * await bus.publish("indexing.started", { collection: "docs", total_files: 3 });
 *
 * const reader = response.body!.pipeThrough(new TextDecoderStream())
 *   .getReader();
 * let text = "";
 * while (!text.includes("event: indexing.started")) {
 *   text += (await reader.read()).value ?? "";
 * }
 * client.abort();
 * await reader.cancel();
 * await bus.close();
 * if (response.headers.get("content-type") !== "text/event-stream") {
 *   throw new Error("not an event stream");
 * }
 * ```
 *
 * @module
 */

export { sseResponse } from "./sse_response.ts";
export type { SseGap, SseOptions } from "./sse_response.ts";
export { formatSseComment, formatSseMessage } from "./framing.ts";
export type { SseMessage } from "./framing.ts";
export {
  decodeResumeToken,
  encodeResumeToken,
  MAX_TOKEN_LENGTH,
} from "./token.ts";
