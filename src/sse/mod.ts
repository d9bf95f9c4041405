/**
 * Live admin panels over Server-Sent Events: {@linkcode sseResponse} turns
 * any `EventBus` into a web-standard `text/event-stream` `Response` that a
 * browser reads with `EventSource`, with resume after a reconnect
 * (`Last-Event-ID`), keep-alives, a bounded buffer per client and an
 * `authorize` hook. Web-standard APIs only: it runs in Deno, Bun, Node (with
 * a small adapter, see README), workers and edge runtimes.
 *
 * @example A Deno server
 * ```ts ignore
 * import { createLocalEventBus, mcbEvents } from "@mcb/event-bus";
 * import { sseResponse } from "@mcb/event-bus/sse";
 *
 * const bus = createLocalEventBus(mcbEvents, { history: 1000 });
 * Deno.serve((request) =>
 *   new URL(request.url).pathname === "/events"
 *     ? sseResponse(bus, ">", { request, authorize: checkSession })
 *     : new Response("not found", { status: 404 })
 * );
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
