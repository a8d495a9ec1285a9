import type { BallotReceipt, Leaderboard } from "@lb/common";
import { rankEntries } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type BallotResponse, createAgent } from "./support/http.js";
import { demoRound, randomChoices, seededRandom, smallRound, tally } from "./support/rounds.js";

/** Two replicas on one Redis: ballots alternate between them, as behind a load balancer. */
let backends: Backends;

beforeAll(async () => {
  backends = await startBackends(2);
});

afterAll(async () => {
  await backends?.close();
});

function apiFor(index: number) {
  const backend = backends.backends[index % backends.backends.length];
  if (!backend) throw new Error("no backend");
  return backend.api;
}

function codeOf(res: BallotResponse): string {
  return res.status === 201 ? "201" : `${res.status} ${res.body?.error?.code}`;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Checks a board against the expected votes per option: votes, total, order and ranks. */
function expectBoard(board: Leaderboard, expectedVotes: Map<string, number>, totalBallots: number) {
  expect(board.totalBallots).toBe(totalBallots);
  const votes = Object.fromEntries(board.entries.map((entry) => [entry.optionId, entry.votes]));
  const expected = Object.fromEntries(
    board.entries.map((entry) => [entry.optionId, expectedVotes.get(entry.optionId) ?? 0]),
  );
  expect(votes).toEqual(expected);
  expect(board.entries).toEqual(rankEntries(board.entries.map(({ rank: _rank, ...entry }) => entry)));
}

describe("concurrency", () => {
  it("200 concurrent ballots by ONE voter (same token, mixed and no idempotency keys) count exactly once", async () => {
    const api = apiFor(0);
    const round = await api.createOpenRound(smallRound(6, { minChoices: 1, maxChoices: 3 }));
    const voter = await api.newVoter();
    const choices = ["2", "5"];
    // A third without a key, a third with one shared key (a retrying phone), a third with a key each.
    const requests = Array.from({ length: 200 }, (_, index) => {
      const key = index % 3 === 0 ? undefined : index % 3 === 1 ? "shared-retry-key" : `own-key-${index}`;
      return { key, promise: apiFor(index).castBallot(round.id, voter, choices, key) };
    });
    const responses = await Promise.all(
      requests.map(async (request) => ({ key: request.key, res: await request.promise })),
    );

    const created = responses.filter(({ res }) => res.status === 201);
    const refused = responses.filter(({ res }) => res.status !== 201);
    expect(
      countBy(refused, ({ res }) => codeOf(res)),
      "refusals are all ALREADY_VOTED",
    ).toEqual(refused.length ? { "409 ALREADY_VOTED": refused.length } : {});
    expect(created.length).toBeGreaterThanOrEqual(1);
    const receipts = created.map(({ res }) => res.body as BallotReceipt);
    const [winner] = receipts;
    // Every 201 is the one counted ballot (the winner, or replays of the winner's key).
    expect(new Set(receipts.map((receipt) => JSON.stringify(receipt))).size).toBe(1);
    expect(winner?.choices).toEqual(choices);
    const winnerKeys = new Set(created.map(({ key }) => key ?? "(none)"));
    expect(winnerKeys.size).toBe(1);
    const winnerKey = [...winnerKeys][0];
    // Only the shared key can be replayed: 67 requests carried it (indexes ≡ 1 mod 3).
    expect(created.length).toBe(winnerKey === "shared-retry-key" ? 67 : 1);

    const board = await api.leaderboard(round.id);
    expectBoard(board, tally([choices]), 1);
    expect((await api.audit(round.id)).entries.map((entry) => entry.ballotId)).toEqual([winner?.ballotId]);
    const recount = await api.recount(round.id);
    expect(recount).toMatchObject({ ballots: 1, liveBallots: 1, matches: true, differences: [] });
    const mine = await api.get<BallotReceipt>(`/api/rounds/${round.id}/my-ballot`, { "x-voter-token": voter });
    expect(mine.body).toEqual(winner);
  });

  it("1,000 concurrent ballots by 1,000 voters on two backends sum exactly", async () => {
    const api = apiFor(0);
    const round = await api.createOpenRound(demoRound(), "demo");
    const optionIds = round.options.map((option) => option.id);
    const voters = await Promise.all(Array.from({ length: 1_000 }, (_, index) => apiFor(index).newVoter()));
    expect(new Set(voters).size).toBe(1_000);
    const random = seededRandom(20_211_231);
    const ballots = voters.map(() => randomChoices(random, optionIds, 1, 15));

    const responses = await Promise.all(
      ballots.map((choices, index) =>
        apiFor(index + 1).castBallot(round.id, voters[index] as string, choices, index % 2 ? `k-${index}` : undefined),
      ),
    );
    expect(countBy(responses, codeOf)).toEqual({ "201": 1_000 });
    const receipts = responses.map((res) => res.body as BallotReceipt);
    receipts.forEach((receipt, index) => {
      expect(receipt.choices).toEqual(ballots[index]);
    });
    expect(new Set(receipts.map((receipt) => receipt.ballotId)).size).toBe(1_000);

    const expected = tally(ballots);
    const sumOfVotes = ballots.reduce((sum, choices) => sum + choices.length, 0);
    // Both replicas read the same Redis: the same board.
    const [boardA, boardB] = await Promise.all([apiFor(0).leaderboard(round.id), apiFor(1).leaderboard(round.id)]);
    expect(boardB).toEqual(boardA);
    expectBoard(boardA as Leaderboard, expected, 1_000);
    expect((boardA as Leaderboard).entries.reduce((sum, entry) => sum + entry.votes, 0)).toBe(sumOfVotes);
    expect((await api.round(round.id)).totalBallots).toBe(1_000);

    expect(await api.recount(round.id)).toEqual({
      roundId: round.id,
      epoch: 1,
      ballots: 1_000,
      liveBallots: 1_000,
      excluded: 0,
      liveExcluded: 0,
      auditEntries: 1_000,
      auditLength: 1_000,
      matches: true,
      differences: [],
    });
    const { entries, text } = await api.audit(round.id);
    expect(entries).toHaveLength(1_000);
    expect(new Set(entries.map((entry) => entry.ballotId))).toEqual(new Set(receipts.map((r) => r.ballotId)));
    expect(new Set(entries.map((entry) => entry.voter)).size).toBe(1_000);
    expect(tally(entries.map((entry) => entry.choices))).toEqual(expected);
    const leaked = voters.filter((token) => text.includes(token));
    expect(leaked).toEqual([]);
  });

  it("ballots racing a close: the final tally equals the number of 201 answers exactly", async () => {
    const api = apiFor(0);
    const round = await api.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 2 }));
    const optionIds = round.options.map((option) => option.id);
    const voters = await Promise.all(Array.from({ length: 600 }, (_, index) => apiFor(index).newVoter()));
    const random = seededRandom(42);
    const ballots = voters.map(() => randomChoices(random, optionIds, 1, 2));

    // The close travels on its own connection, so it is not queued behind the ballots.
    const adminAgent = createAgent(2);
    let closed: Promise<number> | undefined;
    let successes = 0;
    const closeAfter = 100;
    try {
      const responses = await Promise.all(
        ballots.map(async (choices, index) => {
          const res = await apiFor(index).castBallot(round.id, voters[index] as string, choices);
          if (res.status === 201) successes += 1;
          if (successes >= closeAfter && !closed) {
            closed = api
              .request("POST", `/api/rounds/${round.id}/close`, {
                agent: adminAgent,
                headers: { authorization: `Bearer ${backends.adminToken}` },
              })
              .then((close) => close.status);
          }
          return res;
        }),
      );
      expect(await closed).toBe(200);

      const counts = countBy(responses, codeOf);
      const accepted = responses.flatMap((res, index) => (res.status === 201 ? [ballots[index] as string[]] : []));
      // Both sides of the race happened: ballots before the close counted, ballots after it refused.
      expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(["201", "409 ROUND_NOT_OPEN"]);
      expect(accepted.length).toBeGreaterThanOrEqual(closeAfter);
      expect(accepted.length + (counts["409 ROUND_NOT_OPEN"] ?? 0)).toBe(600);

      // After the close has answered, nothing gets in.
      const late = await Promise.all(
        (await api.newVoters(20)).map((voter, index) => apiFor(index).castBallot(round.id, voter, ["1"])),
      );
      expect(countBy(late, codeOf)).toEqual({ "409 ROUND_NOT_OPEN": 20 });

      const board = await api.leaderboard(round.id);
      expect(board.status).toBe("closed");
      expectBoard(board, tally(accepted), accepted.length);
      const { entries } = await api.audit(round.id);
      expect(entries).toHaveLength(accepted.length);
      const acceptedIds = responses.flatMap((res) =>
        res.status === 201 ? [(res.body as BallotReceipt).ballotId] : [],
      );
      expect(new Set(entries.map((entry) => entry.ballotId))).toEqual(new Set(acceptedIds));
      const recount = await api.recount(round.id);
      expect(recount).toMatchObject({ ballots: accepted.length, liveBallots: accepted.length, matches: true });
      console.log(
        `[race] ${accepted.length} counted before the close, ${counts["409 ROUND_NOT_OPEN"] ?? 0} refused after it`,
      );
    } finally {
      adminAgent.destroy();
    }
  });
});

describe("the board check used above", () => {
  it("fails on a tally that differs from the 201 count (so the race test cannot pass vacuously)", () => {
    const board: Leaderboard = {
      roundId: "x",
      epoch: 1,
      seq: 3,
      status: "closed",
      totalBallots: 2,
      resultsHidden: false,
      entries: [{ optionId: "1", number: 1, title: "One", votes: 2, rank: 1 }],
    };
    expect(() => expectBoard(board, tally([["1"]]), 1)).toThrow();
    expect(() => expectBoard(board, tally([["1"], ["1"]]), 2)).not.toThrow();
  });
});
