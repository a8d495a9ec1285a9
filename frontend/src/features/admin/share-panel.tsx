import { isLoopbackHost } from "@lb/common";
import { useEffect, useId, useState } from "react";
import { ErrorNotice } from "../../components/async-view";
import { QrCode, qrCodePng } from "../../components/qr-code";
import { type ApiRequestError, adminApi, asApiRequestError } from "../../lib/api";
import { paths } from "../../lib/routes";
import { DEFAULT_TOP, MAX_TOP, type ScreenTheme } from "../screen/screen-options";
import { ta } from "./admin-messages";
import { saveFile, useSession } from "./admin-session";
import { ShareLink } from "./share-link";

/**
 * The links organisers hand out: the vote page (with its QR code), the projector screen, the public board. They
 * start with the server's PUBLIC_URL when it has one, else with the address this console was opened at; a
 * loopback address gets a warning, since phones cannot open it.
 */
export function SharePanel({ roundId }: { roundId: string }) {
  const session = useSession();
  // undefined until the server has said whether it has a PUBLIC_URL: no link (or QR code) is shown before.
  const [publicUrl, setPublicUrl] = useState<string | null | undefined>(undefined);
  const origin = publicUrl ?? window.location.origin;
  const absolute = (path: string) => new URL(path, origin).href;
  const voteUrl = absolute(paths.vote(roundId));
  const loopbackHost = isLoopbackHost(new URL(origin).hostname) ? new URL(origin).host : null;
  const [screenKey, setScreenKey] = useState<string | null>(null);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [top, setTop] = useState(DEFAULT_TOP);
  const [theme, setTheme] = useState<ScreenTheme>("dark");
  const [notice, setNotice] = useState<string | null>(null);
  const topId = useId();
  const themeId = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `session` changes only with the token.
  useEffect(() => {
    let current = true;
    adminApi.checkSession(session.token).then(
      (answer) => current && setPublicUrl(answer.publicUrl),
      (caught: unknown) => {
        session.handleError(caught);
        // The console's own address is the best guess left.
        if (current) setPublicUrl(null);
      },
    );
    return () => {
      current = false;
    };
  }, [session.token]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `session` changes only with the token.
  useEffect(() => {
    let current = true;
    adminApi.screenKey(roundId, session.token).then(
      ({ screenKey: key }) => current && setScreenKey(key),
      (caught: unknown) => {
        session.handleError(caught);
        if (current) setError(asApiRequestError(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [roundId, session.token]);

  const screenUrl =
    screenKey && publicUrl !== undefined
      ? absolute(
          `${paths.screen(roundId, screenKey)}${top === DEFAULT_TOP ? "" : `&top=${top}`}${theme === "dark" ? "" : `&theme=${theme}`}`,
        )
      : null;

  const renewKey = async () => {
    if (!window.confirm(ta("admin.share.newKeyConfirm"))) return;
    try {
      const { screenKey: key } = await adminApi.screenKey(roundId, session.token, true);
      setScreenKey(key);
      setNotice(ta("admin.share.newKeyDone"));
    } catch (caught) {
      session.handleError(caught);
      setError(asApiRequestError(caught));
    }
  };

  if (publicUrl === undefined) return <div className="console-share" aria-busy="true" />;

  return (
    <div className="console-share">
      {loopbackHost && (
        <p className="notice notice-warn" role="alert" data-testid="loopback-warning">
          {ta("admin.share.loopback", { host: loopbackHost })}
        </p>
      )}
      <section aria-labelledby={`${topId}-vote`}>
        <h3 id={`${topId}-vote`}>{ta("admin.share.vote")}</h3>
        <p className="muted">{ta("admin.share.voteHelp")}</p>
        <div className="console-share-row">
          <QrCode className="console-qr" text={voteUrl} label={ta("admin.share.qrAlt")} />
          <ShareLink
            url={voteUrl}
            label={ta("admin.share.vote")}
            testId="vote-url"
            copyLabel={ta("admin.share.copy")}
            onCopied={() => setNotice(ta("admin.share.copied"))}
          >
            <button
              type="button"
              className="button"
              onClick={async () => saveFile(await qrCodePng(voteUrl), `${roundId}-vote-qr.png`)}
            >
              {ta("admin.share.qrPng")}
            </button>
          </ShareLink>
        </div>
      </section>

      <section aria-labelledby={`${topId}-screen`}>
        <h3 id={`${topId}-screen`}>{ta("admin.share.screen")}</h3>
        <p className="muted">{ta("admin.share.screenHelp")}</p>
        {error && <ErrorNotice error={error} />}
        <div className="inline-fields">
          <label htmlFor={topId}>{ta("admin.share.rows")}</label>
          <input
            id={topId}
            type="number"
            min={1}
            max={MAX_TOP}
            className="console-number"
            value={top}
            onChange={(event) => setTop(Math.min(MAX_TOP, Math.max(1, Number(event.target.value) || DEFAULT_TOP)))}
          />
          <label htmlFor={themeId}>{ta("admin.share.theme")}</label>
          <select id={themeId} value={theme} onChange={(event) => setTheme(event.target.value as ScreenTheme)}>
            <option value="dark">{ta("admin.share.dark")}</option>
            <option value="light">{ta("admin.share.light")}</option>
          </select>
        </div>
        {screenUrl && (
          <ShareLink
            url={screenUrl}
            label={ta("admin.share.screen")}
            testId="screen-url"
            copyLabel={ta("admin.share.copy")}
            onCopied={() => setNotice(ta("admin.share.copied"))}
          >
            <a className="button" href={screenUrl} target="_blank" rel="noreferrer">
              {ta("admin.share.open")}
            </a>
            <button type="button" className="button button-danger" onClick={renewKey}>
              {ta("admin.share.newKey")}
            </button>
          </ShareLink>
        )}
      </section>

      <section aria-labelledby={`${topId}-board`}>
        <h3 id={`${topId}-board`}>{ta("admin.share.board")}</h3>
        <p>
          <a href={absolute(paths.board(roundId))} target="_blank" rel="noreferrer">
            {absolute(paths.board(roundId))}
          </a>
        </p>
      </section>

      <div aria-live="polite">{notice && <p className="notice notice-ok">{notice}</p>}</div>
    </div>
  );
}
