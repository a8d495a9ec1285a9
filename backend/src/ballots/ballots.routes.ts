import { BallotRequestSchema, RoundIdSchema } from "@lb/common";
import express, { type ErrorRequestHandler, Router } from "express";
import { AppError, knownError } from "../http/app-error.js";
import { parseBody, roundIdParam } from "../http/validate.js";
import { addressHasher } from "../integrity/address-hash.js";
import { clientAddress } from "../integrity/client-address.js";
import { requireVoter, type VoterLocals } from "../voters/voters.routes.js";
import type { BallotsService } from "./ballots.service.js";

export function ballotsRouter(options: {
  ballots: BallotsService;
  voterSecret: string;
  bodyLimitBytes: number;
  log: (message: string, error: unknown) => void;
}) {
  const router = Router();
  const voter = requireVoter(options.voterSecret);
  const hashAddress = addressHasher(options.voterSecret);

  router.post("/api/rounds/:id/ballots", express.json({ limit: options.bodyLimitBytes }), voter, async (req, res) => {
    const roundId = roundIdParam(req.params.id);
    const ballot = parseBody(BallotRequestSchema, req.body);
    // Integrity view: where the ballot came from (keyed hashes only) and with which credential.
    const origin = hashAddress(clientAddress(req.ip));
    const receipt = await options.ballots.cast(roundId, (res.locals as VoterLocals).voterId, ballot, {
      ...origin,
      cred: "token",
    });
    res.status(201).json(receipt);
  });

  router.get("/api/rounds/:id/my-ballot", voter, async (req, res) => {
    const receipt = await options.ballots.mine(roundIdParam(req.params.id), (res.locals as VoterLocals).voterId);
    if (!receipt) throw new AppError("NOT_FOUND", "This voter has no ballot in the round's current epoch.");
    res.json(receipt);
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
