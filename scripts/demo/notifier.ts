// Notifier: a broken module. Its handler throws; the bus isolates the error,
// reports it to `onError`, and every other module still gets the event.
import type { Bus, DemoModule } from "./shared.ts";

export function startNotifier(bus: Bus): DemoModule {
  let received = 0;
  bus.subscribe("indexing.completed", (event) => {
    received++;
    throw new Error(
      `cannot e-mail "${event.data.collection} indexed": SMTP server unreachable`,
    );
  });
  return {
    report: () => ({
      module: "notifier",
      received,
      detail: "threw every time (isolated, sent to onError)",
    }),
  };
}
