import { performance } from "node:perf_hooks";
import type { Metrics } from "./metrics.js";

/** What we need of an ioredis client (a Redis or a Cluster): its one door for commands, and its events. */
interface Instrumentable {
  // biome-ignore lint/suspicious/noExplicitAny: ioredis's sendCommand takes a Command and returns what it likes.
  sendCommand: (...args: any[]) => any;
  on(event: "reconnecting", listener: () => void): unknown;
  off(event: "reconnecting", listener: () => void): unknown;
}

interface TimedCommand {
  name?: unknown;
  promise?: Promise<unknown>;
}

/** Command names are ours (a few dozen); anything odd is folded into one label value. */
const COMMAND_NAME = /^[a-z.]{1,24}$/;

/**
 * Times every command of `redis` (lb_redis_command_duration_seconds) and counts its reconnects
 * (lb_redis_reconnects_total), from the caller: ioredis has no per-command event, but every command, pipelined or
 * not, passes through the client's `sendCommand` once (a command resent after a reconnect passes again and is
 * timed once, from its first send). The client factory (redis/redis-client.ts) is left alone. Returns the undo.
 */
export function instrumentRedis(redis: Instrumentable, metrics: Metrics): () => void {
  const original = redis.sendCommand;
  const timed = new WeakSet<object>();
  redis.sendCommand = function (this: unknown, command: TimedCommand, ...rest: unknown[]) {
    if (command && typeof command === "object" && !timed.has(command) && command.promise) {
      timed.add(command);
      const started = performance.now();
      const name = typeof command.name === "string" && COMMAND_NAME.test(command.name) ? command.name : "other";
      const done = () => metrics.redisCommandDuration.observe({ command: name }, (performance.now() - started) / 1000);
      command.promise.then(done, done);
    }
    return original.call(this, command, ...rest);
  };
  const reconnecting = () => metrics.redisReconnects.inc();
  redis.on("reconnecting", reconnecting);
  return () => {
    redis.sendCommand = original;
    redis.off("reconnecting", reconnecting);
  };
}
