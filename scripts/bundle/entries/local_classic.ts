// A browser admin panel on the local transport, with a zod classic catalog.
import { createLocalEventBus, defineEvents } from "../../../mod.ts";
import { classicSchemas } from "./_classic_schemas.ts";

const bus = createLocalEventBus(defineEvents(classicSchemas), {
  source: "/panel",
});
bus.subscribe("context.*", (e) => console.log(e.data.path));
bus.subscribe("indexing.progress", (e) => console.log(e.data.done));
await bus.publish("context.updated", { path: "/src/main.ts", chunks: 3 });
await bus.close();
