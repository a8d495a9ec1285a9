import {
  type BallotReceipt,
  type BallotRequest,
  type ErrorCode,
  isErrorCode,
  type ResetRequest,
  type RoundAction,
  type RoundSummary,
  type RoundView,
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
  ) {
    super(message);
  }
}

/** Builds the error from a failed response: the server's `{ error: { code, message } }`, or a code from the status. */
export function toApiRequestError(status: number, payload: unknown): ApiRequestError {
  const error = (payload as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && isErrorCode(error.code)) {
    return new ApiRequestError(status, error.code, typeof error.message === "string" ? error.message : error.code);
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
  method?: "GET" | "POST";
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
  if (!response.ok) throw toApiRequestError(response.status, payload);
  // The server is built against the same @lb/common contract, so its answers are trusted to match T.
  return payload as T;
}

const roundPath = (roundId: string) => `/api/rounds/${encodeURIComponent(roundId)}`;
const voterHeaders = (token: string) => ({ "X-Voter-Token": token });
const adminHeaders = (adminToken: string) => ({ Authorization: `Bearer ${adminToken}` });

/** Admin status changes; each is also the last segment of its URL. */

export const api = {
  async listRounds(signal?: AbortSignal): Promise<RoundSummary[]> {
    const { rounds } = await request<{ rounds: RoundSummary[] }>("/api/rounds", { signal });
    return rounds;
  },

  getRound(roundId: string, signal?: AbortSignal): Promise<RoundView> {
    return request<RoundView>(roundPath(roundId), { signal });
  },

  /** Returns the token the request already carried (cookie or header) when it is valid, else a new one. */
  createVoter(existingToken: string | null): Promise<VoterTokenResponse> {
    return request<VoterTokenResponse>("/api/voters", {
      method: "POST",
      headers: existingToken ? voterHeaders(existingToken) : {},
    });
  },

  /** This voter's receipt in the round's current epoch, or null when they have not voted yet. */
  async getMyBallot(roundId: string, voterToken: string, signal?: AbortSignal): Promise<BallotReceipt | null> {
    try {
      return await request<BallotReceipt>(`${roundPath(roundId)}/my-ballot`, {
        headers: voterHeaders(voterToken),
        signal,
      });
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === "NOT_FOUND") return null;
      throw error;
    }
  },

  submitBallot(roundId: string, voterToken: string, ballot: BallotRequest): Promise<BallotReceipt> {
    return request<BallotReceipt>(`${roundPath(roundId)}/ballots`, {
      method: "POST",
      body: ballot,
      headers: voterHeaders(voterToken),
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
