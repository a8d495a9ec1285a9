import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { AppError } from "../http/app-error.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares a presented secret with the expected one in constant time. */
export function sameSecret(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(header ?? "")?.[1];
}

/** Organiser routes need `Authorization: Bearer <ADMIN_TOKEN>`; compared in constant time. */
export function requireAdmin(adminToken: string): RequestHandler {
  return (req, _res, next) => {
    if (!sameSecret(adminToken, bearerToken(req.get("authorization")))) {
      throw new AppError("UNAUTHORIZED", "This needs the organiser's token: Authorization: Bearer <ADMIN_TOKEN>.");
    }
    next();
  };
}
