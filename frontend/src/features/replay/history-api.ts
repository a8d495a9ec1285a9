import type { Publication, PublishedLogLine, ReplayFeed } from "@lb/common";
import { ApiRequestError, request, toApiRequestError } from "../../lib/api";

const roundPath = (roundId: string) => `/api/rounds/${encodeURIComponent(roundId)}`;

/** Who asks: the organiser (admin token) or a projector (screen key); neither for the public. */
export interface HistoryAccess {
  adminToken?: string;
  screenKey?: string;
}

const accessHeaders = (access: HistoryAccess): Record<string, string> => {
  const headers: Record<string, string> = {};
  if (access.adminToken) headers.Authorization = `Bearer ${access.adminToken}`;
  if (access.screenKey) headers["X-Screen-Key"] = access.screenKey;
  return headers;
};

/** Replay, time travel and verifiable receipts: the calls of backend/src/history/. */
export const historyApi = {
  replay(roundId: string, access: HistoryAccess, signal?: AbortSignal): Promise<ReplayFeed> {
    return request<ReplayFeed>(`${roundPath(roundId)}/replay`, { headers: accessHeaders(access), signal });
  },

  publish(roundId: string, adminToken: string): Promise<Publication> {
    return request<Publication>(`${roundPath(roundId)}/publish`, {
      method: "POST",
      headers: accessHeaders({ adminToken }),
    });
  },

  /** The publication, or null before the organiser published. */
  async publication(roundId: string, access: HistoryAccess = {}, signal?: AbortSignal): Promise<Publication | null> {
    try {
      return await request<Publication>(`${roundPath(roundId)}/publication`, {
        headers: accessHeaders(access),
        signal,
      });
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === "NOT_FOUND") return null;
      throw error;
    }
  },

  /** The published log's text (NDJSON), as anyone may download it. */
  async publishedLog(roundId: string, signal?: AbortSignal): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${roundPath(roundId)}/published-log`, { signal });
    } catch (error) {
      throw new ApiRequestError(0, "UNAVAILABLE", error instanceof Error ? error.message : "network error");
    }
    if (!response.ok) throw toApiRequestError(response.status, await response.json().catch(() => null));
    return response.text();
  },
};

/** The lines of a published log; a line that is not JSON is a problem the check reports, not an exception. */
export function parseLog(text: string): { lines: PublishedLogLine[]; badLines: number } {
  const lines: PublishedLogLine[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      lines.push(JSON.parse(line) as PublishedLogLine);
    } catch {
      badLines++;
    }
  }
  return { lines, badLines };
}
