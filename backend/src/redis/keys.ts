/**
 * Every Redis key. All keys of one round share the hash tag `{round:<id>}`, so a round's scripts, MULTIs and
 * pipelines run on one Redis Cluster slot. A reset starts a new epoch with new keys; earlier epochs stay readable.
 * The keys that are not a round's (the indexes, config, limiter counters, used challenges) are only ever touched
 * one key per command, so they need no shared tag; reads of many rounds or events at once go through
 * pipelineGroups (redis/redis-client.ts), one pipeline per hash tag on a cluster.
 */
export const roundIndexKey = "lb:rounds";
/** ZSET eventId -> creation time (ms): every event of many rounds (backend/src/events). */
export const eventIndexKey = "lb:events";
export const configKey = (name: string) => `lb:config:${name}`;
/** Prefix of the voter limits' counters (rate-limiter-flexible adds `:<ip or network>`). */
export const voterLimitKeyPrefix = (name: string) => `lb:limit:${name}`;
/** STRING: a solved proof-of-work challenge, kept until it expires so that it is used once. */
export const usedChallengeKey = (signature: string) => `lb:challenge:used:${signature}`;

export function roundKeys(roundId: string) {
  const base = `lb:{round:${roundId}}`;
  return {
    /** HASH id, epoch (current), createdAt, screenKey. */
    meta: `${base}:meta`,
    /**
     * STRING, expires: written just before each WAIT of BALLOT_DURABILITY=replicated (ballots/replication.ts), so
     * that the WAIT covers every earlier write of the round's master.
     */
    replicated: `${base}:replicated`,
    /** HASH backendId -> JSON { counts: Record<ClientView, number>, at }: sockets per page, per backend. */
    presence: `${base}:presence`,
    /**
     * HASH ticketHash -> batch name: the round's tickets, for every epoch. `ticketHash` is an HMAC of the round
     * id and the code under VOTER_TOKEN_SECRET (backend/src/integrity/ticket-code.ts); no code is ever stored.
     */
    tickets: `${base}:tickets`,
    /** HASH batch name -> tickets issued in it. */
    ticketBatches: `${base}:ticket-batches`,
    /** Keys of one epoch. */
    epoch(epoch: number) {
      const e = `${base}:e:${epoch}`;
      return {
        /**
         * HASH: the definition (title, description, min, max, visibility, screenVisibility, opensAt and closesAt
         * in ms or '', allowedNetworks space-separated), optionCount, status, seq, ballots, excluded, revision,
         * updatedAt. `ballots` counts every ballot the ballot script counted; `excluded` those an exclusion took out
         * since (absent = 0), so the board's total is ballots - excluded.
         */
        state: `${e}:state`,
        /** STRING: the options as JSON (kept apart from `state`: it is large and rarely changes). */
        options: `${e}:options`,
        /** ZSET optionId -> votes; every option is a member from the start (with 0). */
        tally: `${e}:tally`,
        /**
         * HASH credential -> "ballotId|idempotencyKey|choices|receivedAtMs|day": the credential is the voterHash,
         * or `t:<ticketHash>` in tickets rounds; `day` is the local day label (YYYY-MM-DD) of `daily` rounds, else
         * empty. Daily rounds keep the credential's latest ballot.
         */
        voters: `${e}:voters`,
        /** HASH batch name -> tickets of that batch that voted in this epoch (a ticket counts once). */
        ticketsUsed: `${e}:tickets-used`,
        /**
         * STREAM, the audit log (format: leaderboard/audit-entry.ts). Counted ballots: one packed field `e`,
         * ballot|voter|choices|at|ip|net|cred|sinceLoad|link: voter the credential (voter hash, or
         * `t:<ticket hash>`), ip and net keyed hashes of the client's IP and network, cred `token` or
         * `ticket:<batch>`, sinceLoad ms ('' when not given), link the hash chain step's link. Exclusions and their undos: a
         * field each: exclusion (id), action (exclude|restore), reason, ballots (ids), at.
         */
        audit: `${e}:audit`,
        /** HASH minute (ms since 1970 / 60000) -> ballots counted in it. */
        minutes: `${e}:minutes`,
        /** HASH error code -> ballots refused with it. */
        rejected: `${e}:rejected`,
        /**
         * HASH of integrity counters written by the voter gate: challengesIssued, challengesSolved (absent = 0).
         * Read by the integrity report.
         */
        integrity: `${e}:integrity`,
        /**
         * HASH network hash (keyed, as the audit log's `net`) -> new voter tokens handed to that network by pages
         * that named this round (`POST /api/voters { roundId }`) while this epoch was current.
         */
        minted: `${e}:minted`,
        /** HASH exclusionId -> JSON Exclusion (kept after an undo, with undoneAt). */
        exclusions: `${e}:exclusions`,
        /** HASH exclusionId -> the audit stream ids of the ballots it took out, space-separated (for the undo). */
        exclusionBallots: `${e}:exclusion-ballots`,
        /** HASH ballotId -> exclusionId, for every ballot out of the tally now: a ballot is never out twice. */
        excluded: `${e}:excluded`,
        /** HASH reason -> ballots out under exclusions with that reason (what the board and the CSV show). */
        excludedReasons: `${e}:excluded-reasons`,
        /**
         * HASH, the show (backend/src/show): hidden ('1': screens hide results), freezeBefore (s), frozenAt (ms),
         * frozenTally ('optionId:votes,...' at the freeze), frozenSeq, revealStep, revealAt (ms of the last step),
         * revealPace (s), warnings ('60,10'), revealTop, autoClosedAt (ms).
         */
        show: `${e}:show`,
      };
    },
  };
}

/** Keys of an event of many rounds: one hash tag per event (`{event:<id>}`), as for rounds. */
export function eventKeys(eventId: string) {
  const base = `lb:{event:${eventId}}`;
  return {
    /**
     * HASH id, title, rounds (JSON array of round ids, in order), current (a round id, '' before the first),
     * version (grows with every change: the live hub reads it each tick), createdAt, updatedAt, screenKey.
     */
    meta: `${base}:meta`,
  };
}

/** KEYS of cast-ballot.lua, in the script's order, for a round's epoch. */
export function castBallotKeys(roundId: string, epoch: number): string[] {
  const keys = roundKeys(roundId);
  const epochKeys = keys.epoch(epoch);
  return [
    keys.meta,
    epochKeys.state,
    epochKeys.tally,
    epochKeys.voters,
    epochKeys.audit,
    epochKeys.minutes,
    keys.tickets,
    epochKeys.ticketsUsed,
  ];
}
