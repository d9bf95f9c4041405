// A page on either transport, chosen by configuration: createEventBus with
// the local transport built in and the nats transport behind its dynamic
// import(). Built with code splitting (as README recommends for pages), the
// nats transport is a chunk fetched only when the configuration says
// "nats"; built as one file, the bundler inlines it inside lazy-init
// wrappers around every module of the nats graph (the NATS client's too),
// which costs bytes of its own (see scripts/bundle/budget.ts).
import { createEventBus, defineEvents } from "../../../mod.ts";
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
