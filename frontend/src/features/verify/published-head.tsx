import { useAsync } from "../../lib/use-async";
import { type HistoryAccess, historyApi } from "../replay/history-api";
import { tv } from "./verify-messages";
import "./verify.css";

/** The published head of the round's hash chain, once the organiser published it (the final screen shows it). */
export function PublishedHead({
  roundId,
  access,
  className,
}: {
  roundId: string;
  access?: HistoryAccess;
  className?: string;
}) {
  const publication = useAsync((signal) => historyApi.publication(roundId, access, signal), [roundId]);
  if (publication.state.status !== "done" || !publication.state.value) return null;
  return (
    <p className={className ?? "published-head"} data-testid="published-head">
      {tv("head.label")}: <code>{publication.state.value.head}</code>
    </p>
  );
}
