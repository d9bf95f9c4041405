// A browser admin panel on the local transport, with a zod/mini catalog.
import { createLocalEventBus, defineEvents } from "../../../mod.ts";
import { miniSchemas } from "./_mini_schemas.ts";

const bus = createLocalEventBus(defineEvents(miniSchemas), {
  source: "/panel",
});
bus.subscribe("context.*", (e) => console.log(e.data.path));
bus.subscribe("indexing.progress", (e) => console.log(e.data.done));
await bus.publish("context.updated", { path: "/src/main.ts", chunks: 3 });
await bus.close();
