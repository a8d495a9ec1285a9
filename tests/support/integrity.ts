import type {
  BallotReceipt,
  Exclusion,
  ExclusionRequest,
  IntegrityReport,
  RecountResult,
  VoterTokenResponse,
} from "@lb/common";
import { expect } from "vitest";
import { type Api, expectStatus, type HttpResponse } from "./http.js";

/**
 * Ballots "from" a client address: the backends run with TRUST_PROXY on, so `X-Forwarded-For` is the client
 * IP that the integrity view hashes. A stuffer is many fresh voter tokens from one network.
 */
export async function voteFrom(
  api: Api,
  roundId: string,
  ip: string,
  choices: readonly string[],
  extra: { sinceLoadMs?: number; token?: string } = {},
): Promise<BallotReceipt> {
  const headers = { "x-forwarded-for": ip };
  const { token = await mintFrom(api, ip), ...body } = extra;
  const res = await api.request<BallotReceipt>("POST", `/api/rounds/${roundId}/ballots`, {
    json: { choices, ...body },
    headers: { ...headers, "x-voter-token": token },
  });
  expectStatus(res, 201);
  return res.body;
}

/** A fresh voter token asked for from `ip`. */
/** A new voter token from `ip`, minted as the vote page of `roundId` does when given (counted per network). */
export async function mintFrom(api: Api, ip: string, roundId?: string): Promise<string> {
  const minted = await api.request<VoterTokenResponse>("POST", "/api/voters", {
    headers: { "x-forwarded-for": ip },
    ...(roundId ? { json: { roundId } } : {}),
  });
  expectStatus(minted, 200);
  return minted.body.token;
}

export async function integrityReport(api: Api, roundId: string, query = ""): Promise<IntegrityReport> {
  const res = await api.admin<IntegrityReport>("GET", `/api/rounds/${roundId}/integrity${query}`);
  expectStatus(res, 200);
  return res.body;
}

export function postExclusion(api: Api, roundId: string, body: unknown): Promise<HttpResponse<Exclusion>> {
  return api.admin<Exclusion>("POST", `/api/rounds/${roundId}/exclusions`, body);
}

export async function exclude(api: Api, roundId: string, body: ExclusionRequest): Promise<Exclusion> {
  const res = await postExclusion(api, roundId, body);
  expectStatus(res, 201);
  return res.body;
}

export async function undoExclusion(api: Api, roundId: string, exclusionId: string): Promise<Exclusion> {
  const res = await api.admin<Exclusion>("DELETE", `/api/rounds/${roundId}/exclusions/${exclusionId}`);
  expectStatus(res, 200);
  return res.body;
}

/** Recount equals every live counter, and the board's total is the ballots counted minus those excluded. */
export async function expectRecountMatches(api: Api, roundId: string, excluded: number): Promise<RecountResult> {
  const recount = await api.recount(roundId);
  expect(recount, JSON.stringify(recount)).toMatchObject({ matches: true, differences: [], excluded });
  expect(recount.liveExcluded).toBe(excluded);
  expect(recount.liveBallots).toBe(recount.ballots);
  expect(recount.auditEntries).toBe(recount.auditLength);
  expect((await api.leaderboard(roundId)).totalBallots).toBe(recount.ballots - excluded);
  return recount;
}
