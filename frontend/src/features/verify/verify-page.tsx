import { checkPublishedLog, type LogCheck } from "@lb/common";
import { type FormEvent, useState } from "react";
import { useDocumentTitle } from "../../components/use-document-title";
import { ApiRequestError } from "../../lib/api";
import { historyApi, parseLog } from "../replay/history-api";
import { sha256Hex } from "../vote/sha256";
import { tv } from "./verify-messages";
import "./verify.css";

type Outcome =
  | { status: "idle" }
  | { status: "checking" }
  | { status: "unpublished" }
  | { status: "done"; check: LogCheck; head: string }
  | { status: "failed"; message: string };

/**
 * Runs the published log's check in the browser: the same check as the offline script (checkPublishedLog),
 * with the page's own SHA-256 (Web Crypto is missing on plain-HTTP venue networks).
 */
async function checkText(text: string, hash: string): Promise<{ check: LogCheck; head: string }> {
  const { lines, badLines } = parseLog(text);
  const check = await checkPublishedLog(lines, async (input) => sha256Hex(input), hash || undefined);
  if (badLines > 0) {
    check.ok = false;
    check.problems.unshift(`${badLines} line(s) are not JSON`);
  }
  const header = lines[0];
  return { check, head: header?.kind === "publication" ? header.head : "" };
}

/** `/r/<id>/verify[?hash=<receipt hash>]`: "verify my ballot". */
export function VerifyPage({ roundId }: { roundId: string }) {
  useDocumentTitle(tv("verify.title"));
  const [hash, setHash] = useState(() => new URLSearchParams(window.location.search).get("hash")?.trim() ?? "");
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });

  const run = async (load: () => Promise<string>) => {
    setOutcome({ status: "checking" });
    try {
      const text = await load();
      setOutcome({ status: "done", ...(await checkText(text, hash.trim().toLowerCase())) });
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === "NOT_FOUND") setOutcome({ status: "unpublished" });
      else setOutcome({ status: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void run(() => historyApi.publishedLog(roundId));
  };

  return (
    <section className="verify">
      <h1>{tv("verify.title")}</h1>
      <p>{tv("verify.intro")}</p>
      <form onSubmit={onSubmit} className="verify-form">
        <label>
          {tv("verify.hash")}
          <input
            name="hash"
            value={hash}
            onChange={(event) => setHash(event.target.value)}
            pattern="[0-9a-fA-F]{64}"
            spellCheck={false}
            autoComplete="off"
            size={66}
          />
        </label>
        <button type="submit" className="button">
          {tv("verify.check")}
        </button>
      </form>
      <p>
        <label>
          {tv("verify.file")}{" "}
          <input
            type="file"
            accept=".ndjson,.json,.txt,application/x-ndjson"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void run(() => file.text());
            }}
          />
        </label>
      </p>
      <p>
        <a href={`/api/rounds/${encodeURIComponent(roundId)}/published-log`} download>
          {tv("verify.download")}
        </a>
      </p>
      <VerifyOutcome outcome={outcome} />
      <p className="verify-offline">
        <code>{tv("verify.offline")}</code>
      </p>
    </section>
  );
}

function VerifyOutcome({ outcome }: { outcome: Outcome }) {
  if (outcome.status === "idle") return null;
  if (outcome.status === "checking") return <p role="status">{tv("verify.checking")}</p>;
  if (outcome.status === "unpublished") {
    return (
      <p role="status" data-result="unpublished">
        {tv("verify.unpublished")}
      </p>
    );
  }
  if (outcome.status === "failed") {
    return (
      <p role="alert" data-result="failed">
        {outcome.message}
      </p>
    );
  }
  const { check, head } = outcome;
  return (
    <div role="status" className="verify-result" data-result={check.ok ? "ok" : "refused"} data-found={check.found}>
      <h2>{check.ok ? tv("verify.ok") : tv("verify.refused")}</h2>
      {check.ok ? (
        <ul>
          <li>{tv("verify.chain", { count: check.ballots, head })}</li>
          <li>{tv("verify.tally")}</li>
        </ul>
      ) : (
        <ul className="verify-problems">
          {check.problems.slice(0, 20).map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {/* Whether the ballot is there means something only in a log that checks out. */}
      {check.ok && check.found !== undefined && (
        <p data-testid="verify-found">
          {check.found ? (check.excluded ? tv("verify.foundExcluded") : tv("verify.found")) : tv("verify.notFound")}
        </p>
      )}
    </div>
  );
}
