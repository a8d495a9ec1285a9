import { BallotRequestSchema, RoundIdSchema, TICKET_HEADER, TicketCodeSchema } from "@lb/common";
import express, { type ErrorRequestHandler, Router } from "express";
import { AppError, knownError } from "../http/app-error.js";
import { parseBody, roundIdParam } from "../http/validate.js";
import { addressHasher } from "../integrity/address-hash.js";
import { clientAddress } from "../integrity/client-address.js";
import type { VoterGate } from "../integrity/voter-gate.js";
import {
  optionalVoterId,
  presentedVoterToken,
  requireVoter,
  VOTER_HEADER,
  type VoterLocals,
} from "../voters/voters.routes.js";
import type { BallotsService } from "./ballots.service.js";

export function ballotsRouter(options: {
  ballots: BallotsService;
  voterSecret: string;
  bodyLimitBytes: number;
  gate: VoterGate;
  log: (message: string, error: unknown) => void;
}) {
  const router = Router();
  const voter = requireVoter(options.voterSecret);
  const json = express.json({ limit: options.bodyLimitBytes });
  const hashAddress = addressHasher(options.voterSecret);

  // No voter token is demanded here: in a tickets round the ticket is the credential. The ballot script knows
  // the round's electorate and refuses a ballot without the credential it needs (INVALID_VOTER_TOKEN in open
  // rounds, TICKET_REQUIRED in tickets rounds); in open rounds a `ticket` field is ignored. The gate (allowed
  // networks, per-IP and per-network limits: they also slow down guessing of ticket codes) runs first.
  router.post("/api/rounds/:id/ballots", json, options.gate.ballots(), async (req, res) => {
    const roundId = roundIdParam(req.params.id);
    const ballot = parseBody(BallotRequestSchema, req.body);
    const voterId = optionalVoterId(options.voterSecret, req);
    const tokenPresented = presentedVoterToken(req.get(VOTER_HEADER), req.headers.cookie) !== undefined;
    // Integrity view: where the ballot came from (keyed hashes only; the script records the credential).
    const origin = hashAddress(clientAddress(req.ip));
    const receipt = await options.ballots.cast(
      roundId,
      { voterId, tokenPresented, ticket: ballot.ticket },
      ballot,
      origin,
    );
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
