import { type BallotReceipt, LIMITS } from "@lb/common";
import { useCallback, useEffect, useRef, useState } from "react";
import { api, type VoterCredential } from "../../lib/api";
import { getSocket } from "../../lib/socket";
import { readStored, writeStored } from "../../lib/storage";
import { BallotOutbox, newIdempotencyKey, type OutboxState, outboxStorageKey, RETRY } from "./ballot-outbox";
import { withChallenge } from "./security-check";

/**
 * Milliseconds since this page was loaded (performance.now() counts from navigation start), for the
 * organiser's integrity view: scripts that post ballots without a page, or the instant a page loads, stand out.
 */
const sinceLoadMs = () => Math.min(Math.max(0, Math.round(performance.now())), LIMITS.sinceLoadMaxMs);

/**
 * The page's side of the outbox: real network, localStorage, timers, and the two moments worth an immediate
 * retry (the browser reports it is online again; the socket reconnected, so the server is reachable).
 * `known` is the receipt the server already had when the page loaded: then nothing is resent. `credential` is
 * the voter token or, in tickets rounds, the ticket; null while a tickets round waits for its ticket.
 */
export function useBallotOutbox(
  roundId: string,
  epoch: number,
  credential: VoterCredential | null,
  known: BallotReceipt | null,
) {
  // The one string the outbox is keyed by: a pending ballot belongs to this voter or this ticket only.
  const who =
    credential === null ? null : "ticket" in credential ? `ticket:${credential.ticket}` : credential.voterToken;
  const [state, setState] = useState<OutboxState>(known ? { kind: "recorded", receipt: known } : { kind: "idle" });
  const outbox = useRef<BallotOutbox | null>(null);
  // Picks submitted before this voter's credential arrived (a first visit shows the round before its token):
  // sent as soon as the outbox exists, never dropped.
  const early = useRef<readonly string[] | null>(null);

  useEffect(() => {
    if (who === null) {
      setState({ kind: "idle" });
      return;
    }
    const current: VoterCredential = who.startsWith("ticket:") ? { ticket: who.slice(7) } : { voterToken: who };
    const key = outboxStorageKey(roundId, epoch, who);
    const box = new BallotOutbox({
      read: () => readStored("localStorage", key),
      write: (value) => writeStored("localStorage", key, value),
      // Past the network's soft limit the same ballot (same idempotency key) goes again with a solved challenge.
      send: (ballot) =>
        withChallenge((challenge) =>
          api.submitBallot(
            roundId,
            current,
            { ...ballot, challenge, sinceLoadMs: sinceLoadMs() },
            AbortSignal.timeout(RETRY.requestTimeoutMs),
          ),
        ),
      fetchReceipt: () => api.getMyBallot(roundId, current),
      newKey: newIdempotencyKey,
      now: () => Date.now(),
      setTimer: (callback, ms) => {
        const timer = window.setTimeout(callback, ms);
        return () => window.clearTimeout(timer);
      },
      random: Math.random,
      onChange: setState,
    });
    outbox.current = box;
    if (known) {
      // The server has this voter's ballot: anything still queued here was that ballot; do not send it again.
      writeStored("localStorage", key, null);
      setState({ kind: "recorded", receipt: known });
    } else {
      setState({ kind: "idle" });
      box.resume();
      if (early.current) box.submit(early.current);
    }
    early.current = null;

    const retry = () => box.retryNow();
    const socket = getSocket();
    window.addEventListener("online", retry);
    socket.on("connect", retry);
    return () => {
      box.dispose();
      outbox.current = null;
      window.removeEventListener("online", retry);
      socket.off("connect", retry);
    };
  }, [roundId, epoch, who, known]);

  const submit = useCallback((choices: readonly string[]) => {
    if (outbox.current) outbox.current.submit(choices);
    else early.current = choices;
  }, []);
  const retryNow = useCallback(() => outbox.current?.retryNow(), []);
  return { state, submit, retryNow };
}
