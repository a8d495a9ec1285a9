import { type ApiErrorBody, ERROR_STATUS, type ErrorCode } from "@lb/common";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { noteErrorCode, requestIdOf } from "../observability/http.js";
import type { LogContext } from "../observability/log.js";
import { isRetryableRedisError } from "../redis/redis-client.js";

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

const BAD_BODY_ENCODING = new AppError(
  "MALFORMED_REQUEST",
  "The request body does not match its Content-Encoding (send it compressed that way, or without the header).",
);

/** body-parser's error types, mapped to our codes. */
const BODY_PARSER_ERRORS: Record<string, AppError> = {
  "entity.too.large": new AppError("PAYLOAD_TOO_LARGE", "The request body is too large."),
  "entity.parse.failed": new AppError("INVALID_BODY", "The request body is not valid JSON."),
  // A Content-Encoding we do not decode (gzip, deflate and br we do): 415 is HTTP's answer for that.
  "encoding.unsupported": new AppError("UNSUPPORTED_MEDIA_TYPE", "Unsupported content encoding."),
  "charset.unsupported": new AppError("UNSUPPORTED_MEDIA_TYPE", "Unsupported charset."),
  // The body ended before its Content-Length or was not readable as sent.
  "request.size.invalid": new AppError("MALFORMED_REQUEST", "The request body does not match its Content-Length."),
};

const BAD_PATH_ENCODING = new AppError("MALFORMED_REQUEST", "The request path is not valid percent-encoding.");
const MALFORMED = new AppError(
  "MALFORMED_REQUEST",
  "The request is malformed: a path that is not valid percent-encoding, or a body that does not match its headers.",
);

/**
 * Static files and pages: a path that is not valid percent-encoding is the client's error (400), not a missing
 * file (the static server would otherwise pass it on as a plain 404).
 */
export const rejectMalformedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    throw BAD_PATH_ENCODING;
  }
  next();
};

type ErrorFields = { type?: unknown; status?: unknown; expose?: unknown; code?: unknown; errno?: unknown };

/**
 * zlib's own failures (gzip/deflate: `Z_DATA_ERROR`, `Z_BUF_ERROR`; brotli: `ERR__ERROR_FORMAT_*`), which
 * body-parser passes on when a body does not decode as its Content-Encoding says.
 */
function isZlibError(fields: ErrorFields): boolean {
  return typeof fields.errno === "number" && typeof fields.code === "string" && /^(Z_|ERR__ERROR_)/.test(fields.code);
}

/**
 * The client went away before its body arrived (body-parser's `request.aborted`): nobody is left to answer,
 * and a flood of them must not flood the log.
 */
export function isClientGone(error: unknown): boolean {
  const fields = (error ?? {}) as ErrorFields;
  return fields.type === "request.aborted" || fields.code === "ECONNRESET" || fields.code === "ECONNABORTED";
}

/**
 * The AppError an error stands for: ours, one of body-parser's, a path that does not percent-decode (Express's
 * router and the static file server throw URIError with status 400), a body that does not decode; undefined for
 * anything unexpected. Every one of them is the client's fault and gets a 4xx, never a 500.
 */
export function knownError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (typeof error !== "object" || error === null) return undefined;
  const fields = error as ErrorFields;
  if (typeof fields.type === "string" && Object.hasOwn(BODY_PARSER_ERRORS, fields.type)) {
    return BODY_PARSER_ERRORS[fields.type];
  }
  const status = typeof fields.status === "number" ? fields.status : 0;
  if (error instanceof URIError && status === 400) return BAD_PATH_ENCODING;
  if (isZlibError(fields)) return BAD_BODY_ENCODING;
  // Any other client error that Express's own parts mark as one (http-errors sets `expose` below 500).
  if (fields.expose === true && status >= 400 && status < 500) return MALFORMED;
  return undefined;
}

/**
 * Registered last: clients see known codes only, never a stack trace. Client errors are answered without a
 * log line (a client can send as many as it likes); only what we did not expect is logged, with its stack.
 */
export function errorMiddleware(
  log: (message: string, error: unknown, context?: LogContext) => void,
): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const known = knownError(error);
    if (known) {
      // For the metrics of refused ballots (observability/http.ts), answered here or not.
      noteErrorCode(res, known.code);
      if (!res.headersSent) {
        if (known.headers) res.set(known.headers);
        res.status(known.status).json({ ...known.body, ...errorBody(known.code, known.message) });
      }
      return;
    }
    if (isClientGone(error)) {
      // Answering is moot; ending the response frees the socket if it is still half open.
      if (!res.headersSent) res.status(400).end();
      return;
    }
    // Redis away, or a cluster failing over or moving a slot: the ioredis client reports the outage itself; the
    // request gets a retryable 503 (a ballot's retry replays its idempotency key).
    const unavailable = isRetryableRedisError(error);
    if (!unavailable) log("unhandled error", error, { reqId: requestIdOf(res) });
    if (res.headersSent) {
      // A streamed answer (the audit export) failed half-way: the client must see a cut, not a complete file.
      res.destroy();
      return;
    }
    const code = unavailable ? "UNAVAILABLE" : "INTERNAL";
    noteErrorCode(res, code);
    res.status(ERROR_STATUS[code]).json(errorBody(code, unavailable ? "Storage is unavailable." : "Internal error."));
  };
}
