// A page on either transport, chosen by configuration: createEventBus from
// @mcb/event-bus/config (the factory knows both transports, so the NATS
// client is in the bundle).
import { defineEvents } from "../../../mod.ts";
import { createEventBus } from "../../../src/config/mod.ts";
import { miniSchemas } from "./_mini_schemas.ts";

const events = defineEvents(miniSchemas);
const bus = await createEventBus(events, {
  transport: location.search.includes("nats") ? "nats" : "local",
  source: "/panel",
  nats: { servers: "ws://127.0.0.1:8080" },
});
bus.subscribe("context.*", (e) => console.log(e.data.path));
await bus.publish("context.updated", { path: "/src/main.ts", chunks: 3 });
await bus.close();
