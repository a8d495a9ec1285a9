import type { Publication, RoundView } from "@lb/common";
import { useState } from "react";
import { t } from "../../i18n";
import { asApiRequestError } from "../../lib/api";
import { useAsync } from "../../lib/use-async";
import { useSession } from "../admin/admin-session";
import { tv } from "../verify/verify-messages";
import { historyApi } from "./history-api";
import { tr } from "./replay-messages";
import { ReplayScreen } from "./replay-screen";

/** The console's replay and publication controls (under Results): replay the race, publish the chain's head. */
export function HistoryPanel({ round }: { round: RoundView }) {
  const session = useSession();
  const [replaying, setReplaying] = useState(false);
  const [published, setPublished] = useState<Publication | null>(null);
  const [error, setError] = useState<string | null>(null);
  const existing = useAsync(
    (signal) => historyApi.publication(round.id, { adminToken: session.token }, signal),
    [round.id, round.epoch],
  );
  const publication = published ?? (existing.state.status === "done" ? existing.state.value : null);
  const publish = async () => {
    setError(null);
    try {
      setPublished(await historyApi.publish(round.id, session.token));
    } catch (caught) {
      session.handleError(caught);
      setError(t(`error.${asApiRequestError(caught).code}`));
    }
  };
  return (
    <section className="console-history" aria-label={tr("replay.title")}>
      <div className="inline-fields">
        <button type="button" className="button" onClick={() => setReplaying(true)}>
          {tr("replay.title")}
        </button>
        {round.votingEnded && (
          <button type="button" className="button" onClick={publish} data-testid="publish-head">
            {tv("head.publish")}
          </button>
        )}
      </div>
      {publication && (
        <p className="published-head" data-testid="console-published-head">
          {tv("head.label")}: <code>{publication.head}</code>
        </p>
      )}
      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {replaying && (
        <>
          <ReplayScreen
            roundId={round.id}
            access={{ adminToken: session.token }}
            top={10}
            theme="dark"
            title={round.title}
          />
          <button type="button" className="button replay-close" onClick={() => setReplaying(false)}>
            {tr("replay.close")}
          </button>
        </>
      )}
    </section>
  );
}
