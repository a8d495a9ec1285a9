import { type ErrorCode, RoundIdSchema, VoterRequestSchema, type VoterTokenResponse } from "@lb/common";
import express, { type ErrorRequestHandler, type Request, type RequestHandler, Router } from "express";
import { AppError, knownError } from "../http/app-error.js";
import { parseBody } from "../http/validate.js";
import type { VoterGate } from "../integrity/voter-gate.js";
import { issueVoterToken, verifyVoterToken } from "./voter-token.js";

export const VOTER_COOKIE = "lb_voter";
export const VOTER_HEADER = "x-voter-token";
/** A voter cookie lives a year: a voter who comes back to a later round is the same voter. */
const COOKIE_MAX_AGE_MS = 365 * 24 * 3600 * 1000;
/** `{ roundId?, challenge? }` is a few hundred bytes. */
const VOTER_BODY_LIMIT_BYTES = 2048;

/** The voter token a client presented: the explicit one (header or socket auth) first, else the cookie. */
export function presentedVoterToken(explicit: unknown, cookieHeader: string | undefined): string | undefined {
  if (typeof explicit === "string" && explicit) return explicit;
  const cookie = (cookieHeader ?? "").split(/;\s*/).find((part) => part.startsWith(`${VOTER_COOKIE}=`));
  return cookie?.slice(VOTER_COOKIE.length + 1);
}

const presentedToken = (req: Request) => presentedVoterToken(req.get(VOTER_HEADER), req.headers.cookie);

/** The voter id of a request that carries a valid voter token, else null (for routes where voting is optional). */
export function optionalVoterId(secret: string, req: Request): string | null {
  const token = presentedToken(req);
  return token ? verifyVoterToken(secret, token) : null;
}

export interface VoterLocals {
  voterId: string;
}

/** Ballot routes: the voter id comes from a server-signed token (cookie or header), never from the client. */
export function requireVoter(secret: string): RequestHandler {
  return (req, res, next) => {
    const token = presentedToken(req);
    const voterId = token ? verifyVoterToken(secret, token) : null;
    if (!voterId) {
      throw new AppError(
        "INVALID_VOTER_TOKEN",
        token ? "The voter token is not valid." : "A voter token is needed: POST /api/voters first.",
      );
    }
    (res.locals as VoterLocals).voterId = voterId;
    next();
  };
}

export function votersRouter(options: {
  secret: string;
  cookieSecure: boolean;
  gate: VoterGate;
  /** Counts a refusal by reason in the round's panel. */
  recordRejection: (roundId: string, code: ErrorCode) => Promise<void>;
  log: (message: string, error: unknown) => void;
}): Router {
  const router = Router();
  // Idempotent for a voter who has a valid token already: reloading the page keeps the same identity.
  router.post("/api/voters", express.json({ limit: VOTER_BODY_LIMIT_BYTES }), async (req, res) => {
    const body = parseBody(VoterRequestSchema, req.body ?? {});
    // The page names its round: a voter outside the round's networks learns it now, not after picking.
    if (body.roundId) await options.gate.checkNetwork(body.roundId, req);
    const presented = presentedToken(req);
    const valid = presented && verifyVoterToken(options.secret, presented) ? presented : null;
    // Only a new identity is limited: a page reload that keeps its token costs nothing.
    if (!valid) await options.gate.checkLimits("mint", req, body.challenge, body.roundId);
    const token = valid ?? issueVoterToken(options.secret);
    // Tokens minted per network, for the round's integrity report (only new ones: a reload is not a mint).
    if (!valid && body.roundId) await options.gate.recordMint(body.roundId, req);
    res.cookie(VOTER_COOKIE, token, {
      httpOnly: true,
      sameSite: "lax",
      secure: options.cookieSecure,
      path: "/",
      maxAge: COOKIE_MAX_AGE_MS,
    });
    res.json({ token } satisfies VoterTokenResponse);
  });

  // Refusals of a request that names its round are counted in that round's panel, then answered as usual.
  const countRejection: ErrorRequestHandler = (error, req, _res, next) => {
    const known = knownError(error);
    const roundId = RoundIdSchema.safeParse((req.body as { roundId?: unknown } | undefined)?.roundId);
    if (known && known.status < 500 && roundId.success) {
      options
        .recordRejection(roundId.data, known.code)
        .catch((cause) => options.log("could not count a refusal", cause));
    }
    next(error);
  };
  router.use("/api/voters", countRejection);
  return router;
}
