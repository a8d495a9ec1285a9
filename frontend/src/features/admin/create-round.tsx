import type { RoundCreate, RoundView } from "@lb/common";
import { adminApi } from "../../lib/api";
import { ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { emptyDraft } from "./round-draft";
import { RoundForm } from "./round-form";

export function CreateRound({ onCreated, onCancel }: { onCreated: (round: RoundView) => void; onCancel: () => void }) {
  const session = useSession();
  const create = async (round: RoundCreate) => {
    onCreated(await adminApi.createRound(round, session.token));
    return undefined; // the new round opens below; no message needed here
  };
  return (
    <section className="card" aria-labelledby="create-heading">
      <h2 id="create-heading">{ta("admin.create.heading")}</h2>
      <RoundForm mode="create" initial={emptyDraft()} onSubmit={create} onCancel={onCancel} />
    </section>
  );
}
