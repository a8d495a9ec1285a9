import { type Logger, pino } from "pino";

export type { Logger };

/** LOG_LEVEL's values: pino's levels, `silent` for none. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What an error may put in a log line: its class, message, code and stack, nothing else. pino's own error
 * serializer copies every enumerable field, and ioredis errors carry the failed command with its arguments
 * (`command.args`: voter hashes, ticket hashes, address hashes of a ballot): those must never reach a log.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error.cause !== undefined ? { cause: errorFields(error.cause) } : {}),
  };
}

/**
 * One JSON object per line on stdout (pino, synchronous writes: nothing is lost on exit). Fields: `level` (a
 * name, not pino's number), `time` (ISO), `pid`, `hostname`, `msg`, and `reqId` on lines about an HTTP request.
 * Voter identity is never logged: no voter tokens or ids, tickets, cookies or client addresses. The redact
 * list is a second line of defence for fields that should not be passed in the first place.
 */
export function createLogger(level: LogLevel = "info", destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: errorFields },
      redact: {
        paths: ["voterToken", "voterId", "ticket", "cookie", "authorization", "ip"].flatMap((key) => [key, `*.${key}`]),
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

let fallback: Logger | undefined;

/** The logger of a server built without one (tests, benches): info and above on stdout, made once. */
export function defaultLogger(): Logger {
  fallback ??= createLogger("info");
  return fallback;
}

/** The `(message, error)` callback the domain code reports unexpected errors with, writing to `logger`. */
export function errorLog(logger: Logger): (message: string, error: unknown, context?: LogContext) => void {
  return (message, error, context) => logger.error({ ...context, err: error }, message);
}

/** What a log line may say about where it happened. */
export interface LogContext {
  /** The HTTP request's id (X-Request-Id). */
  reqId?: string;
}
