import {
  type AdminSessionResponse,
  type BallotReceipt,
  type BallotRequest,
  type Challenge,
  type ChallengeSolution,
  type DeleteRoundRequest,
  type ErrorCode,
  type Exclusion,
  type ExclusionRequest,
  type IntegrityReport,
  isErrorCode,
  type Leaderboard,
  type PublicUrlResponse,
  type ResetRequest,
  type RoundAction,
  type RoundCreateInput,
  type RoundRulesPatch,
  type RoundStats,
  type RoundSummary,
  type RoundView,
  type ScreenKeyResponse,
  TICKET_HEADER,
  type TicketBatchCreate,
  type TicketBatchCreated,
  type TicketBatchList,
  type VoterTokenResponse,
} from "@lb/common";

/** A failed API call. `code` is always a known error code, so callers branch on it and show a translated message. */
export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";

  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** The challenge to solve (428 CHALLENGE_REQUIRED). */
    readonly challenge?: Challenge,
    /** How long the server asked to wait (429 RATE_LIMITED's Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Builds the error from a failed response: the server's `{ error: { code, message } }`, or a code from the status. */
export function toApiRequestError(status: number, payload: unknown, retryAfter?: string | null): ApiRequestError {
  const body = payload as { error?: { code?: unknown; message?: unknown }; challenge?: Challenge } | null;
  const error = body?.error;
  if (error && isErrorCode(error.code)) {
    const seconds = Number(retryAfter);
    return new ApiRequestError(
      status,
      error.code,
      typeof error.message === "string" ? error.message : error.code,
      error.code === "CHALLENGE_REQUIRED" ? body?.challenge : undefined,
      retryAfter && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
    );
  }
  // No JSON error body: a proxy, a gateway or a crash answered instead of the API.
  const code: ErrorCode =
    status === 404 ? "NOT_FOUND" : status === 413 ? "PAYLOAD_TOO_LARGE" : status >= 500 ? "UNAVAILABLE" : "INTERNAL";
  return new ApiRequestError(status, code, `HTTP ${status}`);
}

/** Turns anything thrown into an ApiRequestError so that every failure can be shown the same way. */
export function asApiRequestError(error: unknown): ApiRequestError {
  if (error instanceof ApiRequestError) return error;
  return new ApiRequestError(0, "INTERNAL", error instanceof Error ? error.message : String(error));
}

interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? "GET", headers, body, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error; // the caller gave up; nobody shows this
    throw new ApiRequestError(0, "UNAVAILABLE", error instanceof Error ? error.message : "network error");
  }
  const payload = await readJson(response);
  if (!response.ok) throw toApiRequestError(response.status, payload, response.headers.get("Retry-After"));
  // The server is built against the same @lb/common contract, so its answers are trusted to match T.
  return payload as T;
}

const roundPath = (roundId: string) => `/api/rounds/${encodeURIComponent(roundId)}`;
const voterHeaders = (token: string) => ({ "X-Voter-Token": token });

/** Who a voter call speaks for: the voter token (open rounds) or the ticket code (tickets rounds). */
export type VoterCredential = { voterToken: string } | { ticket: string };
const credentialHeaders = (credential: VoterCredential): Record<string, string> =>
  "ticket" in credential ? { [TICKET_HEADER]: credential.ticket } : voterHeaders(credential.voterToken);
const adminHeaders = (adminToken: string) => ({ Authorization: `Bearer ${adminToken}` });
const epochQuery = (epoch: number | undefined) => (epoch === undefined ? "" : `?epoch=${epoch}`);

/** Admin status changes; each is also the last segment of its URL. */

export const api = {
  /** The server's PUBLIC_URL (null when unset): what QR codes on shared screens should name. */
  async publicUrl(): Promise<string | null> {
    return (await request<PublicUrlResponse>("/api/public-url", {})).publicUrl;
  },

  async listRounds(signal?: AbortSignal): Promise<RoundSummary[]> {
    const { rounds } = await request<{ rounds: RoundSummary[] }>("/api/rounds", { signal });
    return rounds;
  },

  /**
   * `preview`: long descriptions cut to what a collapsed card shows (the voter page's first view; the backend
   * preloads exactly this URL with the page, see backend/src/rounds/round-preload.ts).
   */
  getRound(roundId: string, signal?: AbortSignal, options: { preview?: boolean } = {}): Promise<RoundView> {
    return request<RoundView>(`${roundPath(roundId)}${options.preview ? "?descriptions=preview" : ""}`, { signal });
  },

  /**
   * Returns the token the request already carried (cookie or header) when it is valid, else a new one. `roundId`
   * names the page's round (its allowed networks apply); `challenge` is a solved challenge after a 428.
   */
  createVoter(
    existingToken: string | null,
    body: { roundId?: string; challenge?: ChallengeSolution } = {},
  ): Promise<VoterTokenResponse> {
    return request<VoterTokenResponse>("/api/voters", {
      method: "POST",
      body,
      headers: existingToken ? voterHeaders(existingToken) : {},
    });
  },

  /**
   * The receipt of this voter (or this ticket) in the round's current epoch (today's in daily rounds), or null
   * when there is none yet. A ticket that is not one of the round's fails with TICKET_INVALID.
   */
  getMyBallot(roundId: string, credential: VoterCredential, signal?: AbortSignal): Promise<BallotReceipt | null> {
    // The server answers 200 with null for "no ballot yet".
    return request<BallotReceipt | null>(`${roundPath(roundId)}/my-ballot`, {
      headers: credentialHeaders(credential),
      signal,
    });
  },

  /**
   * A leaderboard snapshot over HTTP, seen as the given caller: the organiser (admin token) sees everything, a
   * projector (screen key) what the round's screen rule allows. `epoch` reads an earlier epoch.
   */
  getLeaderboard(
    roundId: string,
    access: { adminToken?: string; screenKey?: string; epoch?: number },
    signal?: AbortSignal,
  ): Promise<Leaderboard> {
    const headers: Record<string, string> = access.adminToken ? adminHeaders(access.adminToken) : {};
    if (access.screenKey) headers["X-Screen-Key"] = access.screenKey;
    return request<Leaderboard>(`${roundPath(roundId)}/leaderboard${epochQuery(access.epoch)}`, { headers, signal });
  },

  /**
   * `signal` bounds the wait (e.g. AbortSignal.timeout): a send that hangs on a bad network is retried instead.
   * A tickets round takes the ticket in the body and no voter token.
   */
  submitBallot(
    roundId: string,
    credential: VoterCredential,
    ballot: BallotRequest,
    signal?: AbortSignal,
  ): Promise<BallotReceipt> {
    const body = "ticket" in credential ? { ...ballot, ticket: credential.ticket } : ballot;
    return request<BallotReceipt>(`${roundPath(roundId)}/ballots`, {
      method: "POST",
      body,
      headers: "ticket" in credential ? {} : voterHeaders(credential.voterToken),
      signal,
    });
  },

  changeRoundStatus(roundId: string, action: RoundAction, adminToken: string): Promise<RoundView> {
    return request<RoundView>(`${roundPath(roundId)}/${action}`, { method: "POST", headers: adminHeaders(adminToken) });
  },

  resetRound(roundId: string, reset: ResetRequest, adminToken: string): Promise<RoundView> {
    return request<RoundView>(`${roundPath(roundId)}/reset`, {
      method: "POST",
      body: reset,
      headers: adminHeaders(adminToken),
    });
  },
};

/** The organiser's calls; every one needs the admin token. */
export const adminApi = {
  /** Resolves when the server accepts the token (with its PUBLIC_URL); fails with UNAUTHORIZED when it does not. */
  checkSession(adminToken: string): Promise<AdminSessionResponse> {
    return request<AdminSessionResponse>("/api/admin/session", { headers: adminHeaders(adminToken) });
  },

  /** Every round, drafts and archived ones included (the public list shows neither). */
  async listRounds(adminToken: string, signal?: AbortSignal): Promise<RoundSummary[]> {
    const { rounds } = await request<{ rounds: RoundSummary[] }>("/api/rounds", {
      headers: adminHeaders(adminToken),
      signal,
    });
    return rounds;
  },

  /** A round as the organiser sees it: a draft too. */
  getRound(roundId: string, adminToken: string, signal?: AbortSignal): Promise<RoundView> {
    return request<RoundView>(roundPath(roundId), { headers: adminHeaders(adminToken), signal });
  },

  /** Undoes the reset that started `epoch` while that epoch has no ballot: the previous epoch is current again. */
  undoReset(roundId: string, epoch: number, adminToken: string): Promise<RoundView> {
    return request<RoundView>(`${roundPath(roundId)}/undo-reset`, {
      method: "POST",
      body: { epoch },
      headers: adminHeaders(adminToken),
    });
  },

  /** Archives (read-only, off the public list) or brings back a draft or closed round. */
  setArchived(roundId: string, archived: boolean, adminToken: string): Promise<RoundView> {
    return request<RoundView>(`${roundPath(roundId)}/${archived ? "archive" : "unarchive"}`, {
      method: "POST",
      headers: adminHeaders(adminToken),
    });
  },

  /** Deletes a draft that was never opened, or an archived round, with every epoch. */
  async deleteRound(roundId: string, confirm: DeleteRoundRequest, adminToken: string): Promise<void> {
    await request<null>(roundPath(roundId), { method: "DELETE", body: confirm, headers: adminHeaders(adminToken) });
  },

  createRound(input: RoundCreateInput, adminToken: string): Promise<RoundView> {
    return request<RoundView>("/api/rounds", { method: "POST", body: input, headers: adminHeaders(adminToken) });
  },

  updateRound(roundId: string, patch: RoundPatchInput, adminToken: string): Promise<RoundView> {
    return request<RoundView>(roundPath(roundId), { method: "PATCH", body: patch, headers: adminHeaders(adminToken) });
  },

  /** The round's projector key (made on first use). `renew` makes a new one and the old one stops working. */
  screenKey(roundId: string, adminToken: string, renew = false): Promise<ScreenKeyResponse> {
    return request<ScreenKeyResponse>(`${roundPath(roundId)}/screen-key`, {
      method: renew ? "POST" : "GET",
      headers: adminHeaders(adminToken),
    });
  },

  stats(roundId: string, adminToken: string, epoch?: number, signal?: AbortSignal): Promise<RoundStats> {
    return request<RoundStats>(`${roundPath(roundId)}/stats${epochQuery(epoch)}`, {
      headers: adminHeaders(adminToken),
      signal,
    });
  },

  /** Makes a batch of tickets; the answer holds the codes, which the server never shows again. */
  createTickets(roundId: string, batch: TicketBatchCreate, adminToken: string): Promise<TicketBatchCreated> {
    return request<TicketBatchCreated>(`${roundPath(roundId)}/tickets`, {
      method: "POST",
      body: batch,
      headers: adminHeaders(adminToken),
    });
  },

  /** Batches with issued and used (this epoch) counts. */
  listTickets(roundId: string, adminToken: string, signal?: AbortSignal): Promise<TicketBatchList> {
    return request<TicketBatchList>(`${roundPath(roundId)}/tickets`, { headers: adminHeaders(adminToken), signal });
  },

  /** The integrity report of an epoch (the current one by default): networks, pick-sets, regularity, surges. */
  integrity(roundId: string, adminToken: string, signal?: AbortSignal): Promise<IntegrityReport> {
    return request<IntegrityReport>(`${roundPath(roundId)}/integrity`, { headers: adminHeaders(adminToken), signal });
  },

  async exclusions(roundId: string, adminToken: string, signal?: AbortSignal): Promise<Exclusion[]> {
    const { exclusions } = await request<{ exclusions: Exclusion[] }>(`${roundPath(roundId)}/exclusions`, {
      headers: adminHeaders(adminToken),
      signal,
    });
    return exclusions;
  },

  /** Takes the matching ballots out of the live tally (reversible). */
  exclude(roundId: string, exclusion: ExclusionRequest, adminToken: string): Promise<Exclusion> {
    return request<Exclusion>(`${roundPath(roundId)}/exclusions`, {
      method: "POST",
      body: exclusion,
      headers: adminHeaders(adminToken),
    });
  },

  undoExclusion(roundId: string, exclusionId: string, adminToken: string): Promise<Exclusion> {
    return request<Exclusion>(`${roundPath(roundId)}/exclusions/${encodeURIComponent(exclusionId)}`, {
      method: "DELETE",
      headers: adminHeaders(adminToken),
    });
  },

  /** An export as a file: the token goes in a header, so a plain link (which would need it in the URL) cannot work. */
  async download(roundId: string, file: "results.csv" | "audit", adminToken: string, epoch?: number): Promise<Blob> {
    let response: Response;
    try {
      response = await fetch(`${roundPath(roundId)}/${file}${epochQuery(epoch)}`, {
        headers: adminHeaders(adminToken),
      });
    } catch (error) {
      throw new ApiRequestError(0, "UNAVAILABLE", error instanceof Error ? error.message : "network error");
    }
    if (!response.ok) throw toApiRequestError(response.status, await readJson(response));
    return response.blob();
  },
};

/** A `PATCH /api/rounds/:id` body as the console sends it (rules may be partial; option ids optional). */
export type RoundPatchInput = Partial<Pick<RoundCreateInput, "title" | "description" | "options">> & {
  rules?: RoundRulesPatch;
};
