import type { BallotReceipt, Option, RoundView } from "@lb/common";
import { startTransition, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ErrorNotice, Loading } from "../../components/async-view";
import { useDocumentTitle } from "../../components/use-document-title";
import { t } from "../../i18n";
import { ApiRequestError, api, asApiRequestError } from "../../lib/api";
import { setSocketCredential } from "../../lib/socket";
import { type AsyncState, useAsync } from "../../lib/use-async";
import { useSecurityCheck } from "./security-check";
import { rememberTicket, storedTicket, takeTicketFromUrl } from "./vote-ticket";
import { VoteView } from "./vote-view";
import { ensureVoterToken, storedVoterToken } from "./voter-token";
import "./vote.css";

export interface VoteData {
  round: RoundView;
  /** Open rounds: this browser's voter token. Tickets rounds need none. */
  voterToken: string | null;
  /** Tickets rounds: the ticket this device votes with, once known and accepted by the server. */
  ticket: string | null;
  /** Tickets rounds: the code the server refused (not one of the round's tickets), to show with the entry field. */
  refusedTicket: string | null;
  /** The receipt of this voter or ticket in the current epoch, from the server (not from local storage), or null. */
  receipt: BallotReceipt | null;
  /** `Date.now()` when the round arrived, to set the clock against the server's `serverTime`. */
  receivedAt: number;
  /**
   * A first visit to an open round (no token kept from before): the page shows the round at once while the token
   * and the receipt (null, unless a cookie still names an earlier voter) are on their way. Until then
   * `voterToken` is null and nothing can be sent.
   */
  pendingVoter?: Promise<{ voterToken: string; receipt: BallotReceipt | null }>;
}

async function loadVoteData(roundId: string, signal: AbortSignal): Promise<VoteData> {
  const urlTicket = takeTicketFromUrl(roundId);
  // A phone that scanned a ticket is in a tickets round: it needs no voter token. Otherwise the token, and then
  // this voter's receipt, are asked for beside the round, so that open rounds (the common case) show as soon as
  // the round is there rather than one more round trip after it.
  const kept = urlTicket ? null : storedVoterToken();
  const token = urlTicket ? null : ensureVoterToken(roundId);
  // A returning voter's receipt is asked for with the kept token at once, beside the token check.
  const keptReceipt = kept ? api.getMyBallot(roundId, { voterToken: kept }, signal) : null;
  keptReceipt?.catch(() => {}); // a kept token the server no longer accepts: the fresh token asks again
  const openReceipt = token?.then(async (voterToken) => ({
    voterToken,
    receipt: await (voterToken === kept && keptReceipt
      ? keptReceipt
      : api.getMyBallot(roundId, { voterToken }, signal)),
  }));
  openReceipt?.catch(() => {}); // awaited below in open rounds; a tickets round does not need it
  // The light first view (long descriptions cut to their preview, preloaded with the page); useWholeDescriptions
  // fetches the rest once the page is on screen.
  const round = await api.getRound(roundId, signal, { preview: true });
  const receivedAt = Date.now();
  if (round.rules.electorate === "tickets") {
    // The token (and the receipt asked for with it) is not needed here; a failure to get it does not matter.
    const ticket = urlTicket ?? storedTicket(roundId);
    if (!ticket) return { round, voterToken: null, ticket: null, refusedTicket: null, receipt: null, receivedAt };
    try {
      const receipt = await api.getMyBallot(roundId, { ticket }, signal);
      // Before the live board connects: the ticket's holder sees results once the ticket has voted (afterVote).
      setSocketCredential({ ticket });
      return { round, voterToken: null, ticket, refusedTicket: null, receipt, receivedAt };
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.code === "TICKET_INVALID")) throw error;
      rememberTicket(roundId, null);
      return { round, voterToken: null, ticket: null, refusedTicket: ticket, receipt: null, receivedAt };
    }
  }
  if (!openReceipt) {
    // A ticket link to a round that is open after all: vote with a voter token instead.
    const voterToken = await ensureVoterToken(roundId);
    setSocketCredential({ voterToken });
    const receipt = await api.getMyBallot(roundId, { voterToken }, signal);
    return { round, voterToken, ticket: null, refusedTicket: null, receipt, receivedAt };
  }
  if (!kept) {
    // First visit: show the round now; the live board reconnects with the token once it is there.
    const pendingVoter = openReceipt.then((voter) => {
      setSocketCredential({ voterToken: voter.voterToken });
      return voter;
    });
    return { round, voterToken: null, ticket: null, refusedTicket: null, receipt: null, receivedAt, pendingVoter };
  }
  const { voterToken, receipt } = await openReceipt;
  // Before the live board connects, so the server knows from the handshake who may see results.
  setSocketCredential({ voterToken });
  return { round, voterToken, ticket: null, refusedTicket: null, receipt, receivedAt };
}

/**
 * The loaded data, completed by its `pendingVoter` once that arrives (a first visit's token and receipt); a
 * failure to get them (a network outside the round's, say) shows as a failure to load.
 */
function useWithPendingVoter(state: AsyncState<VoteData>): AsyncState<VoteData> {
  const pending = state.status === "done" ? state.value.pendingVoter : undefined;
  const [settled, setSettled] = useState<{ from: Promise<unknown>; state: AsyncState<VoteData> } | null>(null);
  useEffect(() => {
    if (!pending || state.status !== "done") return;
    let current = true;
    const data = state.value;
    pending.then(
      ({ voterToken, receipt }) => {
        if (current) setSettled({ from: pending, state: { status: "done", value: { ...data, voterToken, receipt } } });
      },
      (error: unknown) => {
        if (current) setSettled({ from: pending, state: { status: "failed", error: asApiRequestError(error) } });
      },
    );
    return () => {
      current = false;
    };
  }, [pending, state]);
  return pending && settled?.from === pending ? settled.state : state;
}

/** How long a busy page waits at most before the idle work starts anyway. */
const IDLE_TIMEOUT_MS = 2_000;

/** Runs `work` when the browser is idle (or after IDLE_TIMEOUT_MS); a browser without requestIdleCallback (Safari) waits a moment. */
function whenIdle(work: () => void): { cancel(): void } {
  if (typeof window.requestIdleCallback === "function") {
    const handle = window.requestIdleCallback(work, { timeout: IDLE_TIMEOUT_MS });
    return { cancel: () => window.cancelIdleCallback(handle) };
  }
  const handle = window.setTimeout(work, 200);
  return { cancel: () => window.clearTimeout(handle) };
}

/**
 * The first view's descriptions are cut to what a collapsed card shows (`descriptionsCut`): once the page is on
 * screen, the whole round is fetched for "show more" and search, and its options replace the cut ones in a
 * transition (the 64 cards render again in short slices, not in one long task). A search asks for them at once
 * (`wholeNow`): it looks through whole descriptions, not previews. Should that fetch fail, the cut descriptions
 * stay: their cards look the same, "show more" shows less, a search finds less.
 */
function useWholeDescriptions(
  roundId: string,
  state: AsyncState<VoteData>,
): { state: AsyncState<VoteData>; wholeNow: () => void } {
  const cutRound = state.status === "done" && state.value.round.descriptionsCut ? state.value.round : null;
  const [whole, setWhole] = useState<{ from: RoundView; options: Option[] } | null>(null);
  const startNow = useRef(() => {});
  useEffect(() => {
    if (!cutRound) return;
    const controller = new AbortController();
    let started = false;
    const fetchWhole = () => {
      if (started) return;
      started = true;
      idle.cancel();
      api.getRound(roundId, controller.signal).then(
        (round) => startTransition(() => setWhole({ from: cutRound, options: round.options })),
        () => {},
      );
    };
    // Once the page is idle: the first paint of the cards (and its network) goes first on a slow phone.
    const idle = whenIdle(fetchWhole);
    startNow.current = fetchWhole;
    return () => {
      startNow.current = () => {};
      idle.cancel();
      controller.abort();
    };
  }, [roundId, cutRound]);
  const wholeNow = useCallback(() => startNow.current(), []);
  const completed = useMemo((): AsyncState<VoteData> => {
    if (state.status !== "done" || whole?.from !== state.value.round) return state;
    const round = { ...state.value.round, options: whole.options, descriptionsCut: false };
    return { status: "done", value: { ...state.value, round } };
  }, [state, whole]);
  return { state: completed, wholeNow };
}

export function VotePage({ roundId }: { roundId: string }) {
  const checking = useSecurityCheck();
  // `vote-page` scopes the voter page's dark mode and compact site header (vote.css) from the first render on.
  return (
    <div className="vote-page">
      {checking && (
        <p className="notice security-check" role="status">
          {t("error.CHALLENGE_REQUIRED")}
        </p>
      )}
      <VotePageContent roundId={roundId} />
    </div>
  );
}

function VotePageContent({ roundId }: { roundId: string }) {
  const { state: loaded, reload } = useAsync((signal) => loadVoteData(roundId, signal), [roundId]);
  const { state, wholeNow } = useWholeDescriptions(roundId, useWithPendingVoter(loaded));
  useDocumentTitle(state.status === "done" ? state.value.round.title : undefined);
  const unreachable = state.status === "failed" && (state.error.status === 0 || state.error.status >= 500);

  // A phone that lost the network tries again as soon as it is back, without the voter finding a button.
  useEffect(() => {
    if (!unreachable) return;
    window.addEventListener("online", reload);
    return () => window.removeEventListener("online", reload);
  }, [unreachable, reload]);

  if (state.status === "loading") return <Loading />;
  if (state.status === "failed") {
    if (state.error.code === "ROUND_NOT_FOUND") {
      return (
        <section className="notice state-screen">
          <h1>{t("vote.notFound.title")}</h1>
          <p>{t("vote.notFound.body", { id: roundId })}</p>
        </section>
      );
    }
    if (unreachable) {
      return (
        <section className="notice notice-error state-screen" role="alert">
          <h1>{t("vote.unreachable.title")}</h1>
          <p>{t("vote.unreachable.body")}</p>
          <button type="button" className="button" onClick={reload}>
            {t("common.retry")}
          </button>
        </section>
      );
    }
    return <ErrorNotice error={state.error} onRetry={reload} />;
  }
  return <VoteView data={state.value} onReload={reload} onSearch={wholeNow} />;
}
