import { api } from "../../lib/api";
import { readStored, writeStored } from "../../lib/storage";

const STORAGE_KEY = "lb.voterToken";

let pending: Promise<string> | null = null;

/**
 * Makes sure this browser has a voter token. The server also sets it as an HttpOnly cookie; keeping a copy lets
 * the page send it as `X-Voter-Token`, which still works where cookies are blocked. Concurrent callers share
 * one request so that a page never ends up holding two different tokens.
 */
export function ensureVoterToken(): Promise<string> {
  pending ??= api
    .createVoter(readStored("localStorage", STORAGE_KEY))
    .then(({ token }) => {
      writeStored("localStorage", STORAGE_KEY, token);
      return token;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}
