import { tshow } from "./show-messages";
import "./show.css";

/** "结果冻结 / Frozen": the standings shown are those at the freeze, while ballots keep counting unseen. */
export function FrozenBanner({ frozenAt, className = "" }: { frozenAt: string; className?: string }) {
  const time = new Date(frozenAt).toLocaleTimeString();
  return (
    <p className={`show-frozen-banner ${className}`} role="status" data-frozen-at={frozenAt}>
      <strong>{tshow("show.frozen")}</strong> <span>{tshow("show.frozen.body", { time })}</span>
    </p>
  );
}
