import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { AppError } from "./app-error.js";

/** Methods that change state: a page of another site must not make a visitor's browser send them here. */
const STATE_CHANGING = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** `scheme://host[:port]` of a URL, normalised as browsers send it in `Origin`; null when it is not one. */
export function normalizeOrigin(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim() || undefined;
}

/**
 * The origin a request was addressed to, as Express sees it: the scheme of the connection (or, with
 * TRUST_PROXY, `X-Forwarded-Proto`) and the `Host` header (or, with TRUST_PROXY, `X-Forwarded-Host`).
 */
export function ownOrigin(req: IncomingMessage, trustProxy: boolean): string | null {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const scheme = (trustProxy && firstHeader(req, "x-forwarded-proto")) || (encrypted ? "https" : "http");
  const host = (trustProxy && firstHeader(req, "x-forwarded-host")) || req.headers.host;
  return host ? normalizeOrigin(`${scheme}://${host}`) : null;
}

/**
 * Whether a request may come from where it says it comes from: no `Origin` header (curl, scripts, same-origin
 * GETs) is allowed unless `Sec-Fetch-Site` says cross-site; an `Origin` must be the request's own origin or one
 * of `allowed` (already normalised). Decides for HTTP requests and Socket.IO handshakes alike.
 */
export function originAllowed(req: IncomingMessage, trustProxy: boolean, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return req.headers["sec-fetch-site"] !== "cross-site";
  const normalized = normalizeOrigin(origin);
  return normalized !== null && (normalized === ownOrigin(req, trustProxy) || allowed.includes(normalized));
}

/**
 * Refuses state-changing requests from pages of other sites (403 ORIGIN_NOT_ALLOWED) before any work: the voter
 * cookie rides along on them (SameSite=Lax still sends it from same-site pages and top-level navigations).
 */
export function requireAllowedOrigin(options: {
  trustProxy: boolean;
  allowedOrigins: readonly string[];
}): RequestHandler {
  return (req, _res, next) => {
    if (STATE_CHANGING.has(req.method) && !originAllowed(req, options.trustProxy, options.allowedOrigins)) {
      throw new AppError("ORIGIN_NOT_ALLOWED", "This request comes from a page of another site.");
    }
    next();
  };
}
