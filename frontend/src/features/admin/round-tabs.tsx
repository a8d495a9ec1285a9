import type { RoundView } from "@lb/common";
import type { ReactNode } from "react";
import { formatNumber } from "../../i18n";
import { adminApi } from "../../lib/api";
import type { LiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { ShowControls } from "../show/show-controls";
import { type AdminMessageKey, ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { IntegrityPanel } from "./integrity-panel";
import { LivePanel } from "./live-panel";
import { ResultsPanel } from "./results-panel";
import { draftFromRound, patchFor } from "./round-draft";
import { RoundForm } from "./round-form";
import { SharePanel } from "./share-panel";
import { TicketsPanel } from "./tickets-panel";

/** What every tab of a round gets. */
export interface RoundTabProps {
  /** The round as the server sent it, with status and total kept live from the socket. */
  round: RoundView;
  live: LiveLeaderboard;
  /** Call after a change made from the tab: the round and the list are read again. */
  onChanged: () => void;
}

export interface RoundTab {
  /** The tab's URL segment (`/admin/r/<id>/<id>`): lower-case letters and "-" (lib/routes.ts TAB_SEGMENT). */
  id: string;
  label: AdminMessageKey;
  render: (props: RoundTabProps) => ReactNode;
}

/**
 * The tabs of a round, in order; the first is the default. To add one: an entry here with its own panel file,
 * its label in admin-messages.ts (both languages). Its URL and back/forward come with it. The segment
 * `remote` is taken by the phone remote (remote-view.tsx).
 */
export const ROUND_TABS: readonly RoundTab[] = [
  {
    id: "live",
    label: "admin.tab.live",
    render: ({ round, live }) => (
      <>
        {/* The show (features/show): add time, hide on screens, freeze, reveal. */}
        <ShowControls round={round} board={live.board} />
        <LivePanel round={round} live={live} />
      </>
    ),
  },
  { id: "integrity", label: "admin.tab.integrity", render: ({ round }) => <IntegrityPanel round={round} /> },
  { id: "share", label: "admin.tab.share", render: ({ round }) => <SharePanel roundId={round.id} /> },
  { id: "tickets", label: "admin.tab.tickets", render: ({ round }) => <TicketsPanel round={round} /> },
  {
    id: "results",
    label: "admin.tab.results",
    render: ({ round, live }) => <ResultsPanel round={round} liveBoard={live.board} />,
  },
  {
    id: "edit",
    label: "admin.tab.edit",
    render: ({ round, onChanged }) =>
      round.archived ? (
        <p className="muted">{ta("admin.archive.readOnly")}</p>
      ) : (
        <EditPanel key={round.epoch} round={round} onSaved={onChanged} />
      ),
  },
];

/** The tab a URL segment names, or the first tab for an unknown one. */
export function tabById(id: string | undefined): RoundTab {
  return ROUND_TABS.find((tab) => tab.id === id) ?? (ROUND_TABS[0] as RoundTab);
}

function EditPanel({ round, onSaved }: { round: RoundView; onSaved: () => void }) {
  const session = useSession();
  const lockedReason =
    round.totalBallots > 0
      ? ta("admin.form.locked", { epoch: round.epoch, ballots: formatNumber(round.totalBallots) })
      : null;
  return (
    <RoundForm
      mode="edit"
      initial={draftFromRound(round)}
      lockedReason={lockedReason}
      onSubmit={async (edited) => {
        const patch = patchFor(round, edited);
        if (!patch) return ta("admin.form.unchanged");
        await adminApi.updateRound(round.id, patch, session.token);
        onSaved();
        return ta("admin.form.saved");
      }}
    />
  );
}
