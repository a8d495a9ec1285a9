import {
  formatTicketCode,
  normalizeTicketCode,
  TICKET_LIMITS,
  type TicketBatchCreate,
  type TicketBatchList,
} from "@lb/common";
import { AppError } from "../http/app-error.js";
import { roundKeys } from "../redis/keys.js";
import { scripts } from "../redis/lua-script.js";
import type { RedisClient } from "../redis/redis-client.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import { newTicketCode, ticketHash } from "./ticket-code.js";

/** How often a batch is drawn again when a code repeats one the round has (60 bits: practically never twice). */
const MAX_ATTEMPTS = 3;

/** The round's tickets in Redis: only keyed hashes of the codes, the batch of each, and per-epoch turnout. */
export class TicketsRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly rounds: RoundsRepository,
    private readonly secret: string,
  ) {}

  /** Makes `count` new tickets in a batch (added to it when it exists); returns their printed codes. */
  async create(roundId: string, request: TicketBatchCreate): Promise<string[]> {
    const keys = roundKeys(roundId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const codes = new Set<string>();
      while (codes.size < request.count) codes.add(newTicketCode());
      const hashes = [...codes].map((code) => ticketHash(this.secret, roundId, normalizeTicketCode(code)));
      const result = await scripts.createTickets.run(
        this.redis,
        [keys.meta, keys.tickets, keys.ticketBatches],
        [request.batch, TICKET_LIMITS.perRound, TICKET_LIMITS.batchesPerRound, ...hashes],
      );
      if (result[0] === "OK") return [...codes].map(formatTicketCode);
      if (result[0] === "ERR") {
        if (result[1] === "ROUND_NOT_FOUND") throw new AppError("ROUND_NOT_FOUND", "No round has this id.");
        throw new AppError(
          "INVALID_BODY",
          result[2] === "batches"
            ? `A round holds at most ${TICKET_LIMITS.batchesPerRound} batches: add to an existing one.`
            : `A round holds at most ${TICKET_LIMITS.perRound} tickets.`,
        );
      }
    }
    throw new AppError("UNAVAILABLE", "Could not draw unique ticket codes; try again.");
  }

  /** Batches with issued and used (in the current epoch) counts, in natural name order ("Table 2" < "Table 10"). */
  async list(roundId: string): Promise<TicketBatchList> {
    const epoch = await this.rounds.requireCurrentEpoch(roundId);
    const keys = roundKeys(roundId);
    const [issued, used] = await Promise.all([
      this.redis.hgetall(keys.ticketBatches),
      this.redis.hgetall(keys.epoch(epoch).ticketsUsed),
    ]);
    const batches = Object.entries(issued)
      .map(([batch, count]) => ({ batch, issued: Number(count), used: Number(used[batch] ?? 0) }))
      .sort((a, b) => a.batch.localeCompare(b.batch, "en", { numeric: true }));
    const sum = (field: "issued" | "used") => batches.reduce((total, batch) => total + batch[field], 0);
    return { roundId, epoch, issued: sum("issued"), used: sum("used"), batches };
  }
}
