import { type BallotReceipt, RoundIdSchema, TICKET_HEADER, TicketCodeSchema } from "@lb/common";
import express, { type ErrorRequestHandler, Router } from "express";
import { AppError, knownError } from "../http/app-error.js";
import { roundIdParam } from "../http/validate.js";
import { addressHasher } from "../integrity/address-hash.js";
import { clientAddress } from "../integrity/client-address.js";
import type { VoterGate } from "../integrity/voter-gate.js";
import { verifyVoterToken } from "../voters/voter-token.js";
import { presentedVoterToken, requireVoter, VOTER_HEADER, type VoterLocals } from "../voters/voters.routes.js";
import { rethrowFastPathError } from "./ballot-fast-path.js";
import { parseBallotRequest } from "./ballot-request.js";
import type { BallotsService } from "./ballots.service.js";

/** What the ballot route reads from a request: the same from Express and from the fast path (ballot-fast-path.ts). */
export interface BallotInput {
  /** The path's round id, as sent. */
  id: string;
  /** The parsed JSON body (undefined when there was none). */
  body: unknown;
  /** The client's IP as Express's `req.ip` gives it (TRUST_PROXY honoured). */
  ip: string | undefined;
  /** The X-Voter-Token and Cookie headers, as sent. */
  voterHeader: string | undefined;
  cookie: string | undefined;
}

export interface BallotRouteOptions {
  ballots: BallotsService;
  voterSecret: string;
  bodyLimitBytes: number;
  gate: VoterGate;
  log: (message: string, error: unknown) => void;
}

/**
 * The ballot route's work once the body is parsed: the gate, the body's checks, the credential, then the count.
 * No voter token is demanded here: in a tickets round the ticket is the credential. The ballot script knows the
 * round's electorate and refuses a ballot without the credential it needs (INVALID_VOTER_TOKEN in open rounds,
 * TICKET_REQUIRED in tickets rounds); in open rounds a `ticket` field is ignored. The gate (allowed networks,
 * per-IP and per-network limits: they also slow down guessing of ticket codes) runs first.
 */
export function ballotReceiver(options: BallotRouteOptions): (input: BallotInput) => Promise<BallotReceipt> {
  const hashAddress = addressHasher(options.voterSecret);
  return async (input) => {
    const client = { ip: input.ip };
    const gate = options.gate.checkBallot(input.id, client, input.body);
    if (gate) await gate;
    const roundId = roundIdParam(input.id);
    const ballot = parseBallotRequest(input.body);
    const token = presentedVoterToken(input.voterHeader, input.cookie);
    const voterId = token ? verifyVoterToken(options.voterSecret, token) : null;
    // Integrity view: where the ballot came from (keyed hashes only; the script records the credential).
    const origin = hashAddress(clientAddress(input.ip));
    return options.ballots.cast(
      roundId,
      { voterId, tokenPresented: token !== undefined, ticket: ballot.ticket },
      ballot,
      origin,
    );
  };
}

export function ballotsRouter(options: BallotRouteOptions) {
  const router = Router();
  const voter = requireVoter(options.voterSecret);
  const json = express.json({ limit: options.bodyLimitBytes });
  const receive = ballotReceiver(options);

  // Ballots the fast path took and refused come here with their error, so that they are answered and counted
  // exactly as this route answers and counts its own (the body is read already: nothing below may read it again).
  router.post("/api/rounds/:id/ballots", rethrowFastPathError, json, async (req, res) => {
    const receipt = await receive({
      id: String(req.params.id),
      body: req.body,
      ip: req.ip,
      voterHeader: req.get(VOTER_HEADER),
      cookie: req.headers.cookie,
    });
    res.status(201).json(receipt);
  });

  // A ticket holder asks with the code in the X-Ticket header (kept out of URLs and logs); a voter with the token.
  router.get("/api/rounds/:id/my-ballot", (req, res, next) => {
    const ticket = req.get(TICKET_HEADER);
    if (ticket === undefined) {
      voter(req, res, next);
      return;
    }
    const parsed = TicketCodeSchema.safeParse(ticket);
    if (!parsed.success) throw new AppError("TICKET_INVALID", "This is not a ticket code.");
    res.locals.ticket = parsed.data;
    next();
  });
  router.get("/api/rounds/:id/my-ballot", async (req, res) => {
    const roundId = roundIdParam(req.params.id);
    const ticket = res.locals.ticket as string | undefined;
    const who = ticket ? { ticket } : { voterId: (res.locals as VoterLocals).voterId };
    // "Not voted yet" is an ordinary answer, not an error: 200 with null, so a voter's first visit (which always
    // asks) logs no failed request in the browser.
    res.json((await options.ballots.mine(roundId, who)) ?? null);
  });

  // Every refused ballot is counted by reason for the organiser's live panel, then answered as usual.
  const countRejection: ErrorRequestHandler = (error, req, _res, next) => {
    const known = knownError(error);
    const roundId = RoundIdSchema.safeParse(req.params.id);
    if (known && known.status < 500 && roundId.success) {
      options.ballots
        .recordRejection(roundId.data, known.code)
        .catch((cause) => options.log("could not count a rejection", cause));
    }
    next(error);
  };
  router.use("/api/rounds/:id/ballots", countRejection);

  return router;
}
