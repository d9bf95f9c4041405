/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * The smallest useful browser program: the local transport and a `zod/mini`
 * catalog, nothing else. `scripts/build_admin_panel.ts` bundles it to
 * measure what a local-only page pays, and checks that the bundle holds no
 * NATS client code.
 *
 * @module
 */

import { createLocalEventBus, defineEvents } from "../../mod.ts";
import * as z from "zod/mini";

const events = defineEvents({
  "todo.added": z.object({ id: z.int(), title: z.string() }),
  "todo.done": z.object({ id: z.int() }),
});

const bus = createLocalEventBus(events, { source: "/local-only" });
const open = new Map<number, string>();
bus.subscribe("todo.*", (event) => {
  if (event.type === "todo.added") {
    open.set(event.data.id, event.data.title);
  } else open.delete(event.data.id);
  document.title = `${open.size} open`;
});
await bus.publish("todo.added", { id: 1, title: "bundle me" });
await bus.publish("todo.done", { id: 1 });
