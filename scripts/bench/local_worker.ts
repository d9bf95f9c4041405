/**
 * The isolate of one local case (see `isolated.ts`): measures the case it
 * is sent and posts the result back.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { measure } from "./harness.ts";
import type { IsolatedReply, IsolatedRequest } from "./isolated.ts";
import { localCases } from "./local.ts";

self.onmessage = async (message: MessageEvent<IsolatedRequest>) => {
  const { index, name, subscribers, options } = message.data;
  let reply: IsolatedReply;
  try {
    const c = localCases()[index];
    if (c?.name !== name || c.subscribers !== subscribers) {
      throw new Error(`case ${index} is not ${name} x${subscribers}`);
    }
    reply = { ok: true, result: await measure(c, options) };
  } catch (error) {
    reply = { ok: false, error: String((error as Error)?.stack ?? error) };
  }
  self.postMessage(reply);
};
