import type { RoundStatus } from "@lb/common";
import { t } from "../i18n";

export function StatusBadge({ status }: { status: RoundStatus }) {
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}
