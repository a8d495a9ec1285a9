import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { AppError } from "../http/app-error.js";
import { clientAddress } from "../integrity/client-address.js";
import type { AuthThrottle } from "./auth-throttle.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares a presented secret with the expected one in constant time. */
export function sameSecret(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(header ?? "")?.[1];
}

/**
 * Organiser routes need `Authorization: Bearer <ADMIN_TOKEN>`; compared in constant time, with wrong tokens
 * throttled per client IP (429 RATE_LIMITED past the limit, see AuthThrottle).
 */
export function requireAdmin(adminToken: string, throttle: AuthThrottle): RequestHandler {
  return async (req, _res, next) => {
    await throttle.verify(
      clientAddress(req.ip).ip,
      sameSecret(adminToken, bearerToken(req.get("authorization"))),
      () => new AppError("UNAUTHORIZED", "This needs the organiser's token: Authorization: Bearer <ADMIN_TOKEN>."),
    );
    next();
  };
}
