import type { BallotReceipt, RoundView } from "@lb/common";
import { useEffect } from "react";
import { ErrorNotice, Loading } from "../../components/async-view";
import { useDocumentTitle } from "../../components/use-document-title";
import { t } from "../../i18n";
import { ApiRequestError, api } from "../../lib/api";
import { setSocketVoterToken } from "../../lib/socket";
import { useAsync } from "../../lib/use-async";
import { useSecurityCheck } from "./security-check";
import { rememberTicket, storedTicket, takeTicketFromUrl } from "./vote-ticket";
import { VoteView } from "./vote-view";
import { ensureVoterToken } from "./voter-token";
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
}

async function loadVoteData(roundId: string, signal: AbortSignal): Promise<VoteData> {
  const urlTicket = takeTicketFromUrl(roundId);
  // A phone that scanned a ticket is in a tickets round: it needs no voter token. Otherwise the token is asked
  // for beside the round, so that open rounds (the common case) load in one round trip.
  const token = urlTicket ? null : ensureVoterToken(roundId);
  const round = await api.getRound(roundId, signal);
  const receivedAt = Date.now();
  if (round.rules.electorate === "tickets") {
    token?.catch(() => {}); // not needed here; a failure to mint one does not matter
    const ticket = urlTicket ?? storedTicket(roundId);
    if (!ticket) return { round, voterToken: null, ticket: null, refusedTicket: null, receipt: null, receivedAt };
    try {
      const receipt = await api.getMyBallot(roundId, { ticket }, signal);
      return { round, voterToken: null, ticket, refusedTicket: null, receipt, receivedAt };
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.code === "TICKET_INVALID")) throw error;
      rememberTicket(roundId, null);
      return { round, voterToken: null, ticket: null, refusedTicket: ticket, receipt: null, receivedAt };
    }
  }
  const voterToken = await (token ?? ensureVoterToken(roundId));
  // Before the live board connects, so the server knows from the handshake who may see results.
  setSocketVoterToken(voterToken);
  const receipt = await api.getMyBallot(roundId, { voterToken }, signal);
  return { round, voterToken, ticket: null, refusedTicket: null, receipt, receivedAt };
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
  const { state, reload } = useAsync((signal) => loadVoteData(roundId, signal), [roundId]);
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
  return <VoteView data={state.value} onReload={reload} />;
}
