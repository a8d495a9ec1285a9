import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

/**
 * WORKERS > 1: workers share one port, so a scrape of /metrics lands on any one of them, and one worker's
 * counters alone would jump up and down between scrapes. The worker that gets the scrape asks the primary,
 * which collects every worker's registry over the cluster's IPC (prom-client's AggregatorRegistry: counters and
 * histograms summed) and hands the whole back. One scrape target per host, whatever WORKERS is.
 */
const ASK = "lb:metrics:ask";
const ANSWER = "lb:metrics:answer";
/** prom-client gives up on a worker after 5 s; the asking worker waits a little longer for the primary. */
const ASK_TIMEOUT_MS = 6_000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers the workers' asks with every worker's metrics. */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: Ask) => {
    if (message?.type !== ASK) return;
    const reply = (answer: Omit<Answer, "type" | "id">) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: Error) => reply({ error: error.message }),
    );
  });
}

/** In a worker: `registry` is what this worker gives the primary when it collects. */
export function shareWithPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client starts answering the primary's collection requests when an AggregatorRegistry is made.
  new AggregatorRegistry();
}

let next = 0;

/** In a worker: every worker's metrics, from the primary. */
export function askPrimaryForMetrics(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const id = next++;
    const timer = setTimeout(() => {
      process.off("message", onMessage);
      reject(new Error("the primary did not answer with the workers' metrics"));
    }, ASK_TIMEOUT_MS);
    const onMessage = (message: Answer) => {
      if (message?.type !== ANSWER || message.id !== id) return;
      clearTimeout(timer);
      process.off("message", onMessage);
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(message.error ?? "no metrics"));
    };
    process.on("message", onMessage);
    process.send?.({ type: ASK, id } satisfies Ask);
  });
}
