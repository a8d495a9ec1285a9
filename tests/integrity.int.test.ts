import { type RedisClient, roundKeys } from "@lb/backend";
import { type BallotReceipt, LIMITS } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, expectError } from "./support/http.js";
import { exclude, integrityReport, mintFrom, voteFrom } from "./support/integrity.js";
import { smallRound } from "./support/rounds.js";

let backends: Backends;
let api: Api;
let redis: RedisClient;

beforeAll(async () => {
  // TRUST_PROXY: X-Forwarded-For is the client address the audit log hashes.
  backends = await startBackends(1, { trustProxy: true });
  redis = testRedisClient();
  api = backends.api;
});

afterAll(async () => {
  await redis?.quit();
  await backends?.close();
});

/** Pause of the scripted stuffer after each ballot: a bot on a clock. */
const STUFFER_PAUSE_MS = 60;
const STUFFER_BALLOTS = 20;

/** The stuffer: fresh tokens from one /24 (minted first), then the same single pick, one ballot per tick. */
async function runStuffer(roundId: string): Promise<BallotReceipt[]> {
  const ips = Array.from({ length: STUFFER_BALLOTS }, (_, i) => `10.66.6.${i + 1}`);
  // Minted as the vote page does (naming the round): the report counts tokens minted per network, plus one the
  // bot throws away without voting.
  const tokens = await Promise.all(ips.map((ip) => mintFrom(api, ip, roundId)));
  await mintFrom(api, "10.66.6.200", roundId);
  const receipts: BallotReceipt[] = [];
  for (const [i, ip] of ips.entries()) {
    // Load shaping, not waiting for a result: the bot's clock.
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, STUFFER_PAUSE_MS));
    receipts.push(await voteFrom(api, roundId, ip, ["1"], { sinceLoadMs: 150, token: tokens[i] }));
  }
  return receipts;
}

/** The coefficient of variation of the gaps between receipts, computed here from the receipts' times. */
function receiptGapCv(receipts: BallotReceipt[]): number {
  const times = receipts.map((receipt) => Date.parse(receipt.receivedAt)).sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, i) => time - (times[i] as number));
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
  const variance = gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length;
  return Math.sqrt(variance) / mean;
}

/** People on a venue network: a burst of three, another burst of three later; each picks two options. */
const venueBurst = (roundId: string, from: number) =>
  Promise.all(
    [
      ["2", "3"],
      ["3", "4"],
      ["2", "5"],
    ].map((choices, i) => voteFrom(api, roundId, `192.168.10.${from + i}`, choices, { sinceLoadMs: 20_000 + i })),
  );

describe("integrity report", () => {
  it("shows a stuffer network: ballots and credentials per network, identical pick-sets, single-option share, regularity, challenges and refusals", async () => {
    const round = await api.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 3 }));
    const venue = await venueBurst(round.id, 1);
    const stuffer = await runStuffer(round.id);
    venue.push(...(await venueBurst(round.id, 4)));
    const home = [
      await voteFrom(api, round.id, "2001:db8:1:2::10", ["4", "5"]),
      await voteFrom(api, round.id, "2001:db8:1:2::11", ["2", "3"]),
    ];
    // A refused ballot (counted by code) and the voter gate's challenge counters (written here as it would).
    expectError(await api.castBallot(round.id, await api.newVoter(), ["9"]), "UNKNOWN_OPTION");
    await redis.hset(roundKeys(round.id).epoch(1).integrity, "challengesIssued", 7, "challengesSolved", 5);

    const { entries } = await api.audit(round.id);
    const networkOf = (receipts: BallotReceipt[]) =>
      new Set(receipts.map((receipt) => entries.find((entry) => entry.ballotId === receipt.ballotId)?.network));
    const [stufferNet] = networkOf(stuffer);
    const [venueNet] = networkOf(venue);
    const [homeNet] = networkOf(home);
    expect(networkOf(stuffer).size).toBe(1);
    expect(networkOf(venue).size).toBe(1);
    expect(new Set([stufferNet, venueNet, homeNet]).size).toBe(3);

    const report = await integrityReport(api, round.id);
    expect(report).toMatchObject({
      roundId: round.id,
      epoch: 1,
      scan: { entries: 28, limit: 50_000, truncated: false, ballots: 28, excluded: 0 },
      networkCount: 3,
      singleOption: { ballots: 20, share: 0.714 },
      challenges: { issued: 7, solved: 5 },
      tokensMinted: 21,
      refusals: { UNKNOWN_OPTION: 1 },
    });
    const [first, second, third] = report.networks;
    // The stuffer tops the list: 20 ballots, 20 credentials, 20 IPs, voting 150 ms after "load", on a clock.
    expect(first).toMatchObject({
      network: stufferNet,
      ballots: 20,
      excluded: 0,
      credentials: 20,
      ips: 20,
      medianSinceLoadMs: 150,
      minted: 21,
    });
    // Its regularity is the CV of its gaps (computed here from the receipts' Redis times), and flagged by the
    // threshold. On a quiet machine the clock's CV is about 0.1; how regular a loaded test machine lets it be
    // is not up to the test, so it is compared with the people's, not with a fixed number.
    expect(first?.gapCv).toBeCloseTo(receiptGapCv(stuffer), 3);
    expect(first?.regular).toBe((first?.gapCv ?? 1) < LIMITS.integrityRegularCv);
    // People arrive in bursts: far from regular, and less regular than the bot.
    expect(second).toMatchObject({ network: venueNet, ballots: 6, credentials: 6, ips: 6, regular: false });
    expect(second?.gapCv).toBeGreaterThan(1);
    expect(second?.gapCv).toBeGreaterThan(first?.gapCv ?? 0);
    expect(second?.medianSinceLoadMs).toBe(20_001);
    // Too few ballots to judge: no CV; no time since load was reported.
    expect(third).toMatchObject({ network: homeNet, ballots: 2, gapCv: null, regular: false, medianSinceLoadMs: null });

    expect(report.pickSets.slice(0, 2)).toEqual([
      { choices: ["1"], ballots: 20, share: 0.714 },
      { choices: ["2", "3"], ballots: 3, share: 0.107 },
    ]);
    expect(Array.isArray(report.surges)).toBe(true);
    expect(JSON.stringify(report)).not.toMatch(/10\.66|192\.168|2001:db8/);

    // Top N is the caller's, bounded.
    expect((await integrityReport(api, round.id, "?top=1")).networks).toHaveLength(1);
    expectError(await api.admin("GET", `/api/rounds/${round.id}/integrity?top=0`), "INVALID_QUERY");
    expectError(await api.admin("GET", `/api/rounds/${round.id}/integrity?top=101`), "INVALID_QUERY");

    // Excluding the stuffer's network shows in the report: its ballots are out, the pick-sets are the people's.
    const exclusion = await exclude(api, round.id, { reason: "stuffer", network: stufferNet as string });
    expect(exclusion.ballots).toBe(20);
    const after = await integrityReport(api, round.id);
    expect(after.scan).toMatchObject({ entries: 29, ballots: 8, excluded: 20 });
    expect(after.networks.find((row) => row.network === stufferNet)).toMatchObject({ ballots: 0, excluded: 20 });
    expect(after.pickSets[0]).toEqual({ choices: ["2", "3"], ballots: 3, share: 0.375 });
    expect(after.singleOption).toEqual({ ballots: 0, share: 0 });
  });

  it("reads at most the newest INTEGRITY_SCAN_LIMIT entries and says when it stopped", async () => {
    const small = await startBackends(1, { trustProxy: true, integrityScanLimit: 10 });
    try {
      const round = await small.api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
      await Promise.all(Array.from({ length: 15 }, (_, i) => voteFrom(small.api, round.id, `10.3.3.${i}`, ["1"])));
      const report = await integrityReport(small.api, round.id);
      expect(report.scan).toMatchObject({ entries: 10, limit: 10, truncated: true, ballots: 10 });
      expect(report.networks[0]).toMatchObject({ ballots: 10 });
    } finally {
      await small.close();
    }
  });
});
