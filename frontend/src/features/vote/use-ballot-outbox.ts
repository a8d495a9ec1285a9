import { type BallotReceipt, LIMITS } from "@lb/common";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../lib/api";
import { getSocket } from "../../lib/socket";
import { readStored, writeStored } from "../../lib/storage";
import { BallotOutbox, newIdempotencyKey, type OutboxState, outboxStorageKey, RETRY } from "./ballot-outbox";

/**
 * Milliseconds since this page was loaded (performance.now() counts from navigation start), for the
 * organiser's integrity view: scripts that post ballots without a page, or the instant a page loads, stand out.
 */
const sinceLoadMs = () => Math.min(Math.max(0, Math.round(performance.now())), LIMITS.sinceLoadMaxMs);

/**
 * The page's side of the outbox: real network, localStorage, timers, and the two moments worth an immediate
 * retry (the browser reports it is online again; the socket reconnected, so the server is reachable).
 * `known` is the receipt the server already had when the page loaded: then nothing is resent.
 */
export function useBallotOutbox(roundId: string, epoch: number, voterToken: string, known: BallotReceipt | null) {
  const [state, setState] = useState<OutboxState>(known ? { kind: "recorded", receipt: known } : { kind: "idle" });
  const outbox = useRef<BallotOutbox | null>(null);

  useEffect(() => {
    const key = outboxStorageKey(roundId, epoch, voterToken);
    const box = new BallotOutbox({
      read: () => readStored("localStorage", key),
      write: (value) => writeStored("localStorage", key, value),
      send: (ballot) =>
        api.submitBallot(
          roundId,
          voterToken,
          { ...ballot, sinceLoadMs: sinceLoadMs() },
          AbortSignal.timeout(RETRY.requestTimeoutMs),
        ),
      fetchReceipt: () => api.getMyBallot(roundId, voterToken),
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
    }

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
  }, [roundId, epoch, voterToken, known]);

  const submit = useCallback((choices: readonly string[]) => outbox.current?.submit(choices), []);
  const retryNow = useCallback(() => outbox.current?.retryNow(), []);
  return { state, submit, retryNow };
}
