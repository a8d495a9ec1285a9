import { ApiRequestError, api } from "../../lib/api";
import { readStored, writeStored } from "../../lib/storage";
import { withChallenge } from "./security-check";

const STORAGE_KEY = "lb.voterToken";
/** How many 429 answers minting waits out (each for its Retry-After) before it shows the error. */
const MAX_RATE_LIMITED_WAITS = 10;

let pending: Promise<string> | null = null;

/** The token this browser kept from an earlier visit, or null on a first visit (or with storage blocked). */
export function storedVoterToken(): string | null {
  return readStored("localStorage", STORAGE_KEY);
}

/** Asks for a token, solving a challenge when asked and waiting out Retry-After (with jitter, so a hall spreads). */
async function mint(roundId: string | undefined): Promise<string> {
  for (let waits = 0; ; waits++) {
    try {
      const { token } = await withChallenge((challenge) =>
        api.createVoter(readStored("localStorage", STORAGE_KEY), { roundId, challenge }),
      );
      return token;
    } catch (error) {
      if (!(error instanceof ApiRequestError) || error.code !== "RATE_LIMITED" || waits >= MAX_RATE_LIMITED_WAITS) {
        throw error;
      }
      const waitMs = (error.retryAfterMs ?? 1_000) + Math.random() * 1_000;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/**
 * Makes sure this browser has a voter token. The server also sets it as an HttpOnly cookie; keeping a copy lets
 * the page send it as `X-Voter-Token`, which still works where cookies are blocked. Concurrent callers share
 * one request so that a page never ends up holding two different tokens. `roundId` is the page's round: a
 * client outside its allowed networks hears NETWORK_NOT_ALLOWED now rather than after picking.
 */
export function ensureVoterToken(roundId?: string): Promise<string> {
  pending ??= mint(roundId)
    .then((token) => {
      writeStored("localStorage", STORAGE_KEY, token);
      return token;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}
