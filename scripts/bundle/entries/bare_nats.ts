// Baseline of the nats bundle: zod/mini with the same schemas, plus the
// NATS pieces the transport uses, loaded the way createEventBus loads the
// nats transport (a dynamic import(), so a bundler wraps the same NATS
// modules the same way), and nothing of ours.
import * as z from "zod/mini";
import { miniSchemas } from "./_mini_schemas.ts";

console.log(z.safeParse(miniSchemas["context.updated"], { path: "/a" }));
if (location.search.includes("nats")) {
  const { useNats } = await import("./_bare_nats_client.ts");
  await useNats("ws://127.0.0.1:8080");
}
