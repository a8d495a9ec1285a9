import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { AppError } from "../http/app-error.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Organiser routes need `Authorization: Bearer <ADMIN_TOKEN>`; compared in constant time. */
export function requireAdmin(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, _res, next) => {
    const match = /^Bearer (.+)$/.exec(req.get("authorization") ?? "");
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new AppError("UNAUTHORIZED", "This needs the organiser's token: Authorization: Bearer <ADMIN_TOKEN>.");
    }
    next();
  };
}
