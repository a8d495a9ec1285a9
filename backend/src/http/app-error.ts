import { type ApiErrorBody, ERROR_STATUS, type ErrorCode } from "@lb/common";
import type { ErrorRequestHandler } from "express";

/** The one way to fail a request with a known code; the error middleware turns it into `{ error }`. */
export class AppError extends Error {
  readonly status: number;
  /** Fields sent beside `error` (e.g. the `challenge` of 428 CHALLENGE_REQUIRED). */
  body?: Record<string, unknown>;
  /** Response headers (e.g. `Retry-After` of 429 RATE_LIMITED). */
  headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export function errorBody(code: ErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** body-parser's error types, mapped to our codes. */
const BODY_PARSER_ERRORS: Record<string, AppError> = {
  "entity.too.large": new AppError("PAYLOAD_TOO_LARGE", "The request body is too large."),
  "entity.parse.failed": new AppError("INVALID_BODY", "The request body is not valid JSON."),
  "encoding.unsupported": new AppError("UNSUPPORTED_MEDIA_TYPE", "Unsupported content encoding."),
  "charset.unsupported": new AppError("UNSUPPORTED_MEDIA_TYPE", "Unsupported charset."),
};

/** The AppError an error stands for: ours, or one of body-parser's; undefined for anything unexpected. */
export function knownError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === "string" ? BODY_PARSER_ERRORS[type] : undefined;
}

/** Registered last: clients see known codes only, never a stack trace. */
export function errorMiddleware(log: (message: string, error: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const known = knownError(error);
    if (known) {
      if (known.headers) res.set(known.headers);
      res.status(known.status).json({ ...known.body, ...errorBody(known.code, known.message) });
      return;
    }
    // Redis away: the ioredis client reports the outage itself; the request gets a retryable 503.
    const unavailable = error?.name === "MaxRetriesPerRequestError" || error?.message === "Connection is closed.";
    if (!unavailable) log("unhandled error", error);
    const code = unavailable ? "UNAVAILABLE" : "INTERNAL";
    res.status(ERROR_STATUS[code]).json(errorBody(code, unavailable ? "Storage is unavailable." : "Internal error."));
  };
}
