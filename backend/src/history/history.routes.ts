import { EpochQuerySchema } from "@lb/common";
import { type Request, type RequestHandler, type Response, Router } from "express";
import { bearerToken } from "../auth/admin-auth.js";
import { parseQuery, roundIdParam } from "../http/validate.js";
import { clientAddress } from "../integrity/client-address.js";
import { type BoardAccess, canSeeResults } from "../leaderboard/board-access.js";
import type { LeaderboardRepository } from "../leaderboard/leaderboard.repository.js";
import { SCREEN_KEY_HEADER } from "../leaderboard/leaderboard.routes.js";
import { optionalVoterId } from "../voters/voters.routes.js";
import type { HistoryService } from "./history.service.js";

/** Writes chunks with back-pressure: a slow client must not make us buffer a whole log. */
export async function streamChunks(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  for await (const chunk of chunks) {
    if (!res.write(chunk)) {
      await new Promise((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
    if (res.destroyed) return;
  }
  res.end();
}

export function historyRouter(options: {
  history: HistoryService;
  leaderboard: LeaderboardRepository;
  access: BoardAccess;
  admin: RequestHandler;
  voterSecret: string;
}) {
  const { history, leaderboard, access, admin } = options;
  const router = Router();

  /** Who is asking (organiser, screen, voter or anyone), as the live board judges it. */
  const viewerOf = (req: Request, roundId: string, epoch: number) =>
    access.viewer(roundId, epoch, {
      adminToken: bearerToken(req.get("authorization")),
      screenKey:
        req.get(SCREEN_KEY_HEADER) ?? (typeof req.query.screenKey === "string" ? req.query.screenKey : undefined),
      voterId: optionalVoterId(options.voterSecret, req),
      clientIp: clientAddress(req.ip).ip,
    });
  const epochQuery = (req: Request) => {
    const { screenKey: _screenKey, ...rest } = req.query;
    return parseQuery(EpochQuerySchema, rest).epoch;
  };

  // The race as frames, for the replay player; like the live board, without votes for whoever may not see
  // the round's results now.
  router.get("/api/rounds/:id/replay", async (req, res) => {
    const id = roundIdParam(req.params.id);
    const snapshot = await leaderboard.snapshot(id, epochQuery(req));
    const viewer = await viewerOf(req, id, snapshot.board.epoch);
    res.json(canSeeResults(viewer, snapshot) ? await history.replay(snapshot) : history.hiddenReplay(snapshot));
  });

  router.post("/api/rounds/:id/publish", admin, async (req, res) => {
    const id = roundIdParam(req.params.id);
    const snapshot = await leaderboard.snapshot(id, epochQuery(req));
    res.json(await history.publish(snapshot));
  });

  // Public once published (a round not yet public is not there for anyone but the organiser and the screen).
  router.get("/api/rounds/:id/publication", async (req, res) => {
    const id = roundIdParam(req.params.id);
    const { board } = await leaderboard.snapshot(id, epochQuery(req));
    await viewerOf(req, id, board.epoch);
    res.json(await history.publication(id, board.epoch));
  });

  router.get("/api/rounds/:id/published-log", async (req, res) => {
    const id = roundIdParam(req.params.id);
    const { board } = await leaderboard.snapshot(id, epochQuery(req));
    await viewerOf(req, id, board.epoch);
    // Fails before the first byte when nothing is published (NOT_FOUND as JSON).
    await history.publication(id, board.epoch);
    res.type("application/x-ndjson");
    res.setHeader("Content-Disposition", `attachment; filename="${id}-epoch-${board.epoch}-published-log.ndjson"`);
    await streamChunks(res, history.publishedLog(id, board.epoch));
  });

  return router;
}
