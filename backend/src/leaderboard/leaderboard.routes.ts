import { AtQuerySchema, EpochQuerySchema, type Leaderboard, TICKET_HEADER } from "@lb/common";
import { type Request, type RequestHandler, Router } from "express";
import { z } from "zod";
import { bearerToken } from "../auth/admin-auth.js";
import type { HistoryService } from "../history/history.service.js";
import { parseQuery, roundIdParam } from "../http/validate.js";
import { clientAddress } from "../integrity/client-address.js";
import { presentedTicket } from "../integrity/ticket-code.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { StatsRepository } from "../stats/stats.repository.js";
import { optionalVoterId } from "../voters/voters.routes.js";
import { type BoardAccess, boardFor } from "./board-access.js";
import type { LeaderboardRepository } from "./leaderboard.repository.js";

export const SCREEN_KEY_HEADER = "x-screen-key";
/** The audit export's type; app.ts compresses it (compression's own list of types does not). */
export const NDJSON = "application/x-ndjson";

/**
 * `?epoch=N` plus, on the leaderboard, `?screenKey=` for screens that cannot set headers, and `?at=<ISO time>`
 * for the board as it stood then (time travel, backend/src/history/).
 */
const LeaderboardQuerySchema = EpochQuerySchema.extend({
  screenKey: z.string().max(128).optional(),
  at: AtQuerySchema.optional(),
});

/** A CSV field: quoted when it holds a comma, quote or line break. */
const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function resultsCsv(board: Leaderboard, publishedHead?: string): string {
  const rows = board.entries.map((entry) => {
    const share = board.totalBallots === 0 ? 0 : Math.round((entry.votes / board.totalBallots) * 1000) / 10;
    return [entry.rank, entry.number, entry.title, entry.votes, share.toFixed(1)].map(csvField).join(",");
  });
  // Excluded ballots (left out of votes and shares) are said in a footer after a blank line: how many, and why.
  const footer = board.excluded
    ? [
        "",
        ["excluded ballots", board.excluded.ballots].map(csvField).join(","),
        "excluded for,ballots",
        ...board.excluded.reasons.map((row) => [row.reason, row.ballots].map(csvField).join(",")),
      ]
    : [];
  // Verifiable receipts: once published, the hash chain's head (README "Replay, time travel and verifiable receipts").
  const chain = publishedHead ? ["", ["published chain head", publishedHead].join(",")] : [];
  // The BOM makes spreadsheet programs read the file as UTF-8 (Chinese titles).
  return `\uFEFF${["rank,number,title,votes,share", ...rows, ...footer, ...chain].join("\r\n")}\r\n`;
}

/** The round and epoch an organiser route is about: `?epoch=N` or the current one (404 for an unknown one). */
export async function requestEpoch(
  rounds: RoundsRepository,
  req: Request,
  epochQuery: number | undefined,
): Promise<{ id: string; epoch: number }> {
  const id = roundIdParam(req.params.id);
  return { id, epoch: (await rounds.requireSummary(id, epochQuery)).epoch };
}

export function leaderboardRouter(options: {
  leaderboard: LeaderboardRepository;
  rounds: RoundsRepository;
  access: BoardAccess;
  stats: StatsRepository;
  admin: RequestHandler;
  voterSecret: string;
  history: HistoryService;
}) {
  const { leaderboard, rounds, access, stats, admin, history } = options;
  const router = Router();

  const epochOf = (req: Request) => requestEpoch(rounds, req, parseQuery(EpochQuerySchema, req.query).epoch);

  router.get("/api/rounds/:id/leaderboard", async (req, res) => {
    const query = parseQuery(LeaderboardQuerySchema, req.query);
    const id = roundIdParam(req.params.id);
    const snapshot = await leaderboard.snapshot(id, query.epoch);
    const viewer = await access.viewer(id, snapshot.board.epoch, {
      adminToken: bearerToken(req.get("authorization")),
      screenKey: req.get(SCREEN_KEY_HEADER) ?? query.screenKey,
      voterId: optionalVoterId(options.voterSecret, req),
      ticket: presentedTicket(req.get(TICKET_HEADER)),
      clientIp: clientAddress(req.ip).ip,
    });
    const board = boardFor(viewer, snapshot);
    // Time travel: the board as the audit log had it at `?at=`, for whoever sees the live results as they are
    // (not hidden, not frozen by the show: a frozen board must not be scrubbed past).
    res.json(query.at && board === snapshot.board ? await history.boardAt(snapshot, Date.parse(query.at)) : board);
  });

  router.get("/api/rounds/:id/results.csv", admin, async (req, res) => {
    const { id, epoch } = await epochOf(req);
    const { board } = await leaderboard.snapshot(id, epoch);
    const published = await history.findPublication(id, epoch);
    res.type("text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", `attachment; filename="${id}-epoch-${epoch}-results.csv"`);
    res.send(resultsCsv(board, published?.head));
  });

  router.get("/api/rounds/:id/audit", admin, async (req, res) => {
    const { id, epoch } = await epochOf(req);
    res.type(NDJSON);
    res.setHeader("Content-Disposition", `attachment; filename="${id}-epoch-${epoch}-audit.ndjson"`);
    // One drain and one close listener for the whole export: one per wait would pile up on a long export
    // (compression hands `drain` listeners to its gzip stream, where `once` cannot remove them).
    let wake: (() => void) | undefined;
    const wakeUp = () => {
      const waiting = wake;
      wake = undefined;
      waiting?.();
    };
    res.on("drain", wakeUp);
    res.once("close", wakeUp);
    for await (const batch of leaderboard.audit(id, epoch)) {
      const chunk = batch.map((entry) => `${JSON.stringify(entry)}\n`).join("");
      // Respect back-pressure: a slow client must not make us buffer the whole log.
      if (!res.write(chunk) && !res.destroyed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (res.destroyed) return;
    }
    res.end();
  });

  router.get("/api/rounds/:id/recount", admin, async (req, res) => {
    const { id, epoch } = await epochOf(req);
    res.json(await leaderboard.recount(id, epoch));
  });

  router.get("/api/rounds/:id/stats", admin, async (req, res) => {
    const { id, epoch } = await epochOf(req);
    const summary = await rounds.requireSummary(id, epoch);
    res.json(await stats.read(id, epoch, summary.totalBallots));
  });

  return router;
}
