import type { BallotReceipt } from "@lb/common";
import { ApiRequestError } from "../../lib/api";

/**
 * The voter's ballot on its way to the server. A ballot that could not be sent (no network, a timeout, a 5xx)
 * stays here, in storage, with its idempotency key, and is sent again: after a backoff, at once when the
 * browser comes back online or the socket reconnects, and on the next visit. The server answers a resent key
 * with the receipt it gave the first time, so a ballot is never counted twice. Pure: the network, storage,
 * clock and randomness are handed in, so the tests drive it with fake timers.
 */

/** What is kept in storage until the server gives a definitive answer. */
export interface PendingBallot {
  choices: string[];
  idempotencyKey: string;
  /** Sends started so far (shown to the voter; also the backoff exponent). */
  attempts: number;
}

export type OutboxState =
  | { kind: "idle" }
  | { kind: "sending"; ballot: PendingBallot }
  /** The last send failed in a way worth retrying; the next one starts at `retryAt` (ms since the epoch). */
  | { kind: "waiting"; ballot: PendingBallot; retryAt: number; error: ApiRequestError }
  | { kind: "recorded"; receipt: BallotReceipt }
  /** A definitive refusal (a 4xx other than ALREADY_VOTED/TICKET_USED): the ballot is dropped; the voter may fix it. */
  | { kind: "refused"; choices: string[]; error: ApiRequestError };

/** Backoff limits: the first retry after about a second, then doubling, never more than half a minute apart. */
export const RETRY = {
  baseDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 30_000,
  /** A send that has not answered by then is abandoned and retried (the key makes that safe). */
  requestTimeoutMs: 10_000,
} as const;

/**
 * "Equal jitter": half the exponential delay plus a random share of the other half, so a room of phones that
 * lost the venue Wi-Fi together does not retry in lockstep, and no retry comes sooner than half the delay.
 */
export function retryDelay(attempts: number, random: () => number): number {
  const exponential = RETRY.baseDelayMs * RETRY.factor ** Math.max(0, attempts - 1);
  const capped = Math.min(RETRY.maxDelayMs, exponential);
  return Math.round(capped / 2 + random() * (capped / 2));
}

/**
 * Network failures, timeouts, rate limits, a challenge the page could not solve this time, and server errors
 * may succeed later; any other answer is final.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiRequestError)) return true; // a timeout abort or another transport failure
  return (
    error.status === 0 || error.status === 408 || error.status === 428 || error.status === 429 || error.status >= 500
  );
}

function toApiError(error: unknown): ApiRequestError {
  if (error instanceof ApiRequestError) return error;
  return new ApiRequestError(0, "UNAVAILABLE", error instanceof Error ? error.message : String(error));
}

/**
 * Where a ballot is kept: one slot per round, epoch and voter or ticket (a reset or another voter starts
 * afresh). `credential` is the voter token or `ticket:<code>`.
 */
export function outboxStorageKey(roundId: string, epoch: number, credential: string): string {
  // The token or code is a credential; a short FNV-1a hash tells voters apart without copying it again.
  let hash = 0x811c9dc5;
  for (let i = 0; i < credential.length; i++) {
    hash = Math.imul(hash ^ credential.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `lb.outbox.${roundId}.${epoch}.${hash.toString(36)}`;
}

export function parsePending(text: string | null): PendingBallot | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<PendingBallot>;
    const valid =
      Array.isArray(value.choices) &&
      value.choices.every((choice) => typeof choice === "string") &&
      typeof value.idempotencyKey === "string" &&
      typeof value.attempts === "number";
    return valid ? (value as PendingBallot) : null;
  } catch {
    return null;
  }
}

export interface OutboxDeps {
  /** The storage slot of this round, epoch and voter. */
  read(): string | null;
  write(value: string | null): void;
  send(ballot: { choices: string[]; idempotencyKey: string }): Promise<BallotReceipt>;
  /** This voter's receipt in the current epoch (GET my-ballot), or null. */
  fetchReceipt(): Promise<BallotReceipt | null>;
  newKey(): string;
  now(): number;
  setTimer(callback: () => void, ms: number): () => void;
  random(): number;
  onChange(state: OutboxState): void;
}

export class BallotOutbox {
  private state: OutboxState = { kind: "idle" };
  private pending: PendingBallot | null = null;
  private inFlight = false;
  private cancelTimer: (() => void) | null = null;
  private disposed = false;

  constructor(private readonly deps: OutboxDeps) {}

  get current(): OutboxState {
    return this.state;
  }

  /** Sends a ballot kept by an earlier visit, if there is one. Returns whether there was. */
  resume(): boolean {
    this.pending = parsePending(this.deps.read());
    if (!this.pending) return false;
    void this.attempt();
    return true;
  }

  /**
   * Queues the voter's picks and sends them. While a ballot is pending it is the one that goes: its picks are
   * locked in the page, and resending them under the same key is what makes retries safe.
   */
  submit(choices: readonly string[]): void {
    if (this.disposed || this.state.kind === "recorded") return;
    this.pending ??= { choices: [...choices], idempotencyKey: this.deps.newKey(), attempts: 0 };
    this.persist();
    this.retryNow();
  }

  /** Sends now instead of waiting for the backoff (the browser is online again, the socket reconnected). */
  retryNow(): void {
    if (this.disposed || !this.pending || this.inFlight) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    void this.attempt();
  }

  /** Stops timers and ignores answers still on their way; the pending ballot stays in storage for next time. */
  dispose(): void {
    this.disposed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private async attempt(): Promise<void> {
    const ballot = this.pending;
    if (!ballot || this.inFlight || this.disposed) return;
    this.inFlight = true;
    ballot.attempts += 1;
    this.persist();
    this.set({ kind: "sending", ballot: { ...ballot } });
    try {
      const receipt = await this.deps.send({ choices: [...ballot.choices], idempotencyKey: ballot.idempotencyKey });
      this.settle({ kind: "recorded", receipt });
    } catch (error) {
      await this.handleFailure(ballot, error);
    } finally {
      this.inFlight = false;
    }
  }

  private async handleFailure(ballot: PendingBallot, error: unknown): Promise<void> {
    if (this.disposed) return;
    if (error instanceof ApiRequestError && (error.code === "ALREADY_VOTED" || error.code === "TICKET_USED")) {
      // This voter's (or ticket's) ballot is in (another tab, another phone with the same ticket, an earlier
      // key): show that one, it is the server's truth.
      try {
        const receipt = await this.deps.fetchReceipt();
        if (this.disposed) return;
        this.settle(receipt ? { kind: "recorded", receipt } : { kind: "refused", choices: ballot.choices, error });
      } catch (lookupError) {
        if (isRetryable(lookupError)) this.scheduleRetry(ballot, toApiError(lookupError));
        else this.settle({ kind: "refused", choices: ballot.choices, error });
      }
      return;
    }
    if (isRetryable(error)) this.scheduleRetry(ballot, toApiError(error));
    else this.settle({ kind: "refused", choices: ballot.choices, error: toApiError(error) });
  }

  private scheduleRetry(ballot: PendingBallot, error: ApiRequestError): void {
    if (this.disposed) return;
    // A 429 says how long to wait (Retry-After); sooner would only be refused again.
    const delay = Math.max(retryDelay(ballot.attempts, this.deps.random), error.retryAfterMs ?? 0);
    this.cancelTimer = this.deps.setTimer(() => {
      this.cancelTimer = null;
      void this.attempt();
    }, delay);
    this.set({ kind: "waiting", ballot: { ...ballot }, retryAt: this.deps.now() + delay, error });
  }

  /** A definitive answer: the ballot leaves storage. */
  private settle(state: Extract<OutboxState, { kind: "recorded" | "refused" }>): void {
    if (this.disposed) return;
    this.pending = null;
    this.persist();
    this.set(state);
  }

  private persist(): void {
    this.deps.write(this.pending ? JSON.stringify(this.pending) : null);
  }

  private set(state: OutboxState): void {
    this.state = state;
    this.deps.onChange(state);
  }
}

/**
 * crypto.randomUUID exists only in secure contexts (HTTPS or localhost); a phone on a venue's LAN over plain
 * HTTP lacks it, while getRandomValues is available everywhere.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
