import {
  type BallotsPerVoter,
  BallotsPerVoterSchema,
  type Electorate,
  ElectorateSchema,
  type ErrorCode,
  LIMITS,
  type ResultsVisibility,
  ResultsVisibilitySchema,
  type RoundCreate,
  type ScreenVisibility,
  ScreenVisibilitySchema,
} from "@lb/common";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { t } from "../../i18n";
import { asApiRequestError } from "../../lib/api";
import { type AdminMessageKey, ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { ImportPicker } from "./import-picker";
import {
  checkDraft,
  type DraftIssue,
  draftFromRound,
  newRowKey,
  type OptionDraft,
  optionDrafts,
  type RoundDraft,
} from "./round-draft";

interface RoundFormProps {
  mode: "create" | "edit";
  initial: RoundDraft;
  /** Why options and pick counts cannot change (the epoch has ballots); null when they can. */
  lockedReason?: string | null;
  /** Saves the checked round; resolves to a message to show (e.g. "nothing to save"), or nothing. */
  onSubmit: (round: RoundCreate) => Promise<string | undefined>;
  onCancel?: () => void;
}

/** The one form for creating and editing a round; it checks with the server's schema before sending anything. */
export function RoundForm({ mode, initial, lockedReason = null, onSubmit, onCancel }: RoundFormProps) {
  const session = useSession();
  const formId = useId();
  const [draft, setDraft] = useState(initial);
  const [issues, setIssues] = useState<DraftIssue[]>([]);
  const [serverError, setServerError] = useState<{ field: string | null; text: string } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // Bumped by each failed submit: focus then moves to the first field in error (or the form's own message).
  const [failedSubmits, setFailedSubmits] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const locked = lockedReason !== null;

  const set = <K extends keyof RoundDraft>(key: K, value: RoundDraft[K]) =>
    setDraft((current) => ({ ...current, [key]: value }));
  const setOption = (key: string, change: Partial<OptionDraft>) =>
    setDraft((current) => ({
      ...current,
      options: current.options.map((option) => (option.key === key ? { ...option, ...change } : option)),
    }));
  const addOption = () =>
    setDraft((current) => {
      const next = Math.max(0, ...current.options.map((option) => Number(option.number) || 0)) + 1;
      return {
        ...current,
        options: [...current.options, { key: newRowKey(), number: String(next), title: "", description: "" }],
      };
    });
  const removeOption = (key: string) =>
    setDraft((current) => ({ ...current, options: current.options.filter((option) => option.key !== key) }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setServerError(null);
    setNotice(null);
    const check = checkDraft(draft);
    if (!check.ok) {
      setIssues(check.issues);
      setFailedSubmits((n) => n + 1);
      return;
    }
    setIssues([]);
    setBusy(true);
    try {
      const message = await onSubmit(check.round);
      if (message) setNotice(message);
    } catch (caught) {
      session.handleError(caught);
      const error = asApiRequestError(caught);
      // The server's message names the field for a body it refused; other codes have a translated sentence, shown
      // at the field they are about when there is one (a taken ID at the ID).
      setServerError({
        field: SERVER_ERROR_FIELDS[error.code] ?? null,
        text: error.code === "INVALID_BODY" ? `${t("error.INVALID_BODY")} ${error.message}` : t(`error.${error.code}`),
      });
      setFailedSubmits((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string) => `${formId}-${name}`;
  // Each problem goes next to its field; those with no field of their own stay in the list at the bottom.
  const placedKeys = new Set<string>([
    ...(mode === "create" ? ["id"] : []),
    ...PLACED_FIELDS,
    ...draft.options.flatMap((_, index) => OPTION_FIELDS.map((name) => `option-${index + 1}-${name}`)),
  ]);
  const byField = new Map<string, string[]>();
  const unplaced: string[] = [];
  for (const issue of issues) {
    const key = issueKey(issue);
    if (placedKeys.has(key)) byField.set(key, [...(byField.get(key) ?? []), describeDraftIssue(issue)]);
    else unplaced.push(describeDraftIssue(issue));
  }
  if (serverError?.field && placedKeys.has(serverError.field)) {
    byField.set(serverError.field, [...(byField.get(serverError.field) ?? []), serverError.text]);
  }
  const formError = serverError && !(serverError.field && placedKeys.has(serverError.field)) ? serverError.text : null;
  /** aria-invalid and aria-describedby of an input, and its message below it. */
  const errorOf = (key: string) => {
    const messages = byField.get(key);
    if (!messages) return { props: {}, message: null };
    const id = field(`${key}-error`);
    return {
      props: { "aria-invalid": true, "aria-describedby": id },
      message: (
        <p className="field-error" id={id} data-field-error={key}>
          {messages.join(" ")}
        </p>
      ),
    };
  };

  // Runs after each failed submit has rendered.
  useEffect(() => {
    if (failedSubmits === 0) return;
    const form = formRef.current;
    const first = form?.querySelector<HTMLElement>('[aria-invalid="true"], [data-form-error]');
    first?.focus();
  }, [failedSubmits]);

  const idError = errorOf("id");
  const titleError = errorOf("title");
  const descriptionError = errorOf("description");
  const rule = (name: string) => errorOf(`rules.${name}`);
  return (
    <form className="console-form" onSubmit={submit} noValidate ref={formRef}>
      {!locked && (
        <ImportPicker
          onImport={(result, fileName) =>
            setDraft((current) =>
              result.kind === "json"
                ? { ...draftFromRound(result.round), id: result.round.id ?? current.id }
                : {
                    ...current,
                    title: current.title || fileName.replace(/\.[^.]*$/, ""),
                    options: optionDrafts(result.options),
                  },
            )
          }
        />
      )}

      {mode === "create" && (
        <div className="console-field">
          <label htmlFor={field("id")}>{ta("admin.form.id")}</label>
          <input
            id={field("id")}
            value={draft.id}
            maxLength={LIMITS.roundIdMaxLength}
            spellCheck={false}
            autoComplete="off"
            onChange={(event) => set("id", event.target.value)}
            {...idError.props}
          />
          {idError.message}
          <p className="muted">{ta("admin.form.idHelp")}</p>
        </div>
      )}
      <div className="console-field">
        <label htmlFor={field("title")}>{ta("admin.form.title")}</label>
        <input
          id={field("title")}
          value={draft.title}
          maxLength={LIMITS.roundTitleMaxLength}
          onChange={(event) => set("title", event.target.value)}
          {...titleError.props}
        />
        {titleError.message}
      </div>
      <div className="console-field">
        <label htmlFor={field("description")}>{ta("admin.form.description")}</label>
        <textarea
          id={field("description")}
          rows={2}
          value={draft.description}
          onChange={(event) => set("description", event.target.value)}
          {...descriptionError.props}
        />
        {descriptionError.message}
      </div>

      <fieldset>
        <legend>{ta("admin.form.rules")}</legend>
        <div className="console-grid">
          <div className="console-field">
            <label htmlFor={field("min")}>{ta("admin.form.minChoices")}</label>
            <input
              id={field("min")}
              type="number"
              min={1}
              disabled={locked}
              value={draft.minChoices}
              onChange={(event) => set("minChoices", event.target.value)}
              {...rule("minChoices").props}
            />
            {rule("minChoices").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("max")}>{ta("admin.form.maxChoices")}</label>
            <input
              id={field("max")}
              type="number"
              min={1}
              disabled={locked}
              value={draft.maxChoices}
              onChange={(event) => set("maxChoices", event.target.value)}
              {...rule("maxChoices").props}
            />
            {rule("maxChoices").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("results")}>{ta("admin.form.resultsVisibility")}</label>
            <select
              id={field("results")}
              value={draft.resultsVisibility}
              onChange={(event) => set("resultsVisibility", event.target.value as ResultsVisibility)}
              {...rule("resultsVisibility").props}
            >
              {ResultsVisibilitySchema.options.map((value) => (
                <option key={value} value={value}>
                  {ta(`admin.form.results.${value}`)}
                </option>
              ))}
            </select>
            {rule("resultsVisibility").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("screen")}>{ta("admin.form.screenVisibility")}</label>
            <select
              id={field("screen")}
              value={draft.screenVisibility}
              onChange={(event) => set("screenVisibility", event.target.value as ScreenVisibility)}
              {...rule("screenVisibility").props}
            >
              {ScreenVisibilitySchema.options.map((value) => (
                <option key={value} value={value}>
                  {ta(`admin.form.screen.${value}`)}
                </option>
              ))}
            </select>
            {rule("screenVisibility").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("opens")}>{ta("admin.form.opensAt")}</label>
            <input
              id={field("opens")}
              type="datetime-local"
              value={draft.opensAt}
              onChange={(event) => set("opensAt", event.target.value)}
              {...rule("opensAt").props}
            />
            {rule("opensAt").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("closes")}>{ta("admin.form.closesAt")}</label>
            <input
              id={field("closes")}
              type="datetime-local"
              value={draft.closesAt}
              onChange={(event) => set("closesAt", event.target.value)}
              {...rule("closesAt").props}
            />
            {rule("closesAt").message}
          </div>
        </div>
        <p className="muted">{ta("admin.form.windowHelp")}</p>
        <div className="console-grid">
          <div className="console-field">
            <label htmlFor={field("electorate")}>{ta("admin.form.electorate")}</label>
            <select
              id={field("electorate")}
              disabled={locked}
              value={draft.electorate}
              onChange={(event) => set("electorate", event.target.value as Electorate)}
              {...rule("electorate").props}
            >
              {ElectorateSchema.options.map((value) => (
                <option key={value} value={value}>
                  {ta(`admin.form.electorate.${value}`)}
                </option>
              ))}
            </select>
            {rule("electorate").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("perVoter")}>{ta("admin.form.ballotsPerVoter")}</label>
            <select
              id={field("perVoter")}
              disabled={locked}
              value={draft.ballotsPerVoter}
              onChange={(event) => set("ballotsPerVoter", event.target.value as BallotsPerVoter)}
              {...rule("ballotsPerVoter").props}
            >
              {BallotsPerVoterSchema.options.map((value) => (
                <option key={value} value={value}>
                  {ta(`admin.form.ballotsPerVoter.${value}`)}
                </option>
              ))}
            </select>
            {rule("ballotsPerVoter").message}
          </div>
          <div className="console-field">
            <label htmlFor={field("timeZone")}>{ta("admin.form.timeZone")}</label>
            <input
              id={field("timeZone")}
              list={field("timeZones")}
              disabled={locked}
              spellCheck={false}
              autoComplete="off"
              maxLength={64}
              value={draft.timeZone}
              onChange={(event) => set("timeZone", event.target.value)}
              {...rule("timeZone").props}
            />
            <datalist id={field("timeZones")}>
              {timeZones().map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            {rule("timeZone").message}
          </div>
        </div>
        <p className="muted">{ta("admin.form.electorateHelp")}</p>
        <div className="console-field">
          <label htmlFor={field("networks")}>{ta("admin.form.allowedNetworks")}</label>
          <textarea
            id={field("networks")}
            rows={3}
            spellCheck={false}
            placeholder="192.168.10.0/24"
            value={draft.allowedNetworks}
            onChange={(event) => set("allowedNetworks", event.target.value)}
            {...rule("allowedNetworks").props}
          />
          {rule("allowedNetworks").message}
        </div>
        <p className="muted">{ta("admin.form.allowedNetworksHelp")}</p>
      </fieldset>

      <fieldset>
        <legend>{ta("admin.form.options", { count: draft.options.length })}</legend>
        {lockedReason && (
          <p className="notice notice-paused" data-testid="edit-locked">
            {lockedReason}
          </p>
        )}
        {/* a11y: a scrolling box must be reachable by keyboard even when its inputs are disabled (axe
            scrollable-region-focusable); a named region says what the keyboard landed on. */}
        <section
          className="table-scroll console-options"
          aria-label={ta("admin.form.options", { count: draft.options.length })}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard.
          tabIndex={0}
        >
          <table className="console-table">
            <thead>
              <tr>
                <th scope="col">{ta("admin.form.col.number")}</th>
                <th scope="col">{ta("admin.form.col.title")}</th>
                <th scope="col">{ta("admin.form.col.description")}</th>
                <th scope="col">
                  <span className="visually-hidden">{ta("admin.form.col.remove")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.options.map((option, index) => (
                <tr key={option.key}>
                  <td>
                    <input
                      className="console-number"
                      aria-label={ta("admin.form.optionNumber", { row: index + 1 })}
                      inputMode="numeric"
                      disabled={locked}
                      value={option.number}
                      onChange={(event) => setOption(option.key, { number: event.target.value })}
                      {...errorOf(`option-${index + 1}-number`).props}
                    />
                    {errorOf(`option-${index + 1}-number`).message}
                  </td>
                  <td>
                    <input
                      aria-label={ta("admin.form.optionTitle", { row: index + 1 })}
                      disabled={locked}
                      maxLength={LIMITS.optionTitleMaxLength}
                      value={option.title}
                      onChange={(event) => setOption(option.key, { title: event.target.value })}
                      {...errorOf(`option-${index + 1}-title`).props}
                    />
                    {errorOf(`option-${index + 1}-title`).message}
                  </td>
                  <td>
                    <textarea
                      aria-label={ta("admin.form.optionDescription", { row: index + 1 })}
                      rows={1}
                      disabled={locked}
                      value={option.description}
                      onChange={(event) => setOption(option.key, { description: event.target.value })}
                      {...errorOf(`option-${index + 1}-description`).props}
                    />
                    {errorOf(`option-${index + 1}-description`).message}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button-secondary"
                      disabled={locked || draft.options.length <= 1}
                      onClick={() => removeOption(option.key)}
                      aria-label={ta("admin.form.removeOption", { row: index + 1 })}
                    >
                      ×
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <button
          type="button"
          className="button button-secondary"
          disabled={locked || draft.options.length >= LIMITS.maxOptions}
          onClick={addOption}
        >
          {ta("admin.form.addOption")}
        </button>
      </fieldset>

      <div aria-live="polite">
        {issues.length > 0 && (
          <div
            className="notice notice-error"
            data-testid="form-issues"
            tabIndex={-1}
            data-form-error={unplaced.length > 0 || undefined}
          >
            <p>{ta("admin.form.invalidCount", { count: issues.length })}</p>
            {unplaced.length > 0 && (
              <ul>
                {unplaced.map((text, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: one check's fixed list; it never reorders.
                  <li key={index}>{text}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {formError && (
          <p className="notice notice-error" role="alert" tabIndex={-1} data-form-error>
            {formError}
          </p>
        )}
        {notice && <p className="notice notice-ok">{notice}</p>}
      </div>

      <div className="actions">
        <button type="submit" className="button console-submit" disabled={busy}>
          {busy ? ta("admin.form.saving") : ta(mode === "create" ? "admin.form.create" : "admin.form.save")}
        </button>
        {onCancel && (
          <button type="button" className="button button-secondary" onClick={onCancel}>
            {ta("admin.form.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

/** The zones this browser knows, for the time zone field's suggestions. */
function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["Asia/Shanghai", "UTC"];
  }
}

/** Which field a refusal from the server is about (shown there), by code. */
const SERVER_ERROR_FIELDS: Partial<Record<ErrorCode, string>> = { ROUND_EXISTS: "id" };

/** Round fields that have an input of their own (the ID only when creating). */
const PLACED_FIELDS = [
  "title",
  "description",
  ...[
    "minChoices",
    "maxChoices",
    "resultsVisibility",
    "screenVisibility",
    "opensAt",
    "closesAt",
    "electorate",
    "ballotsPerVoter",
    "timeZone",
    "allowedNetworks",
  ].map((name) => `rules.${name}`),
];
const OPTION_FIELDS = ["number", "title", "description"];

/** The input an issue belongs to: `title`, `rules.maxChoices`, `option-3-title`; a list entry goes to its list. */
function issueKey(issue: DraftIssue): string {
  const field = issue.field.replace(/^(rules\.allowedNetworks)\.\d+$/, "$1");
  return issue.option === undefined ? field : `option-${issue.option}-${field}`;
}

const FIELD_LABELS: Record<string, AdminMessageKey> = {
  "rules.timeZone": "admin.form.timeZone",
  id: "admin.form.id",
  title: "admin.form.title",
  description: "admin.form.description",
  number: "admin.form.col.number",
  options: "admin.form.optionsLabel",
  "rules.minChoices": "admin.form.minChoices",
  "rules.maxChoices": "admin.form.maxChoices",
  "rules.opensAt": "admin.form.opensAt",
  "rules.closesAt": "admin.form.closesAt",
  "rules.allowedNetworks": "admin.form.allowedNetworks",
};

/** "Option 3 · Title: is empty". */
function describeDraftIssue(issue: DraftIssue): string {
  // "rules.allowedNetworks.2" is the third network: labelled as the list.
  const labelKey = FIELD_LABELS[issue.field] ?? FIELD_LABELS[issue.field.replace(/\.\d+$/, "")];
  const label = labelKey ? ta(labelKey) : issue.field;
  const where =
    issue.option === undefined ? label : `${ta("admin.import.atOption", { option: issue.option })} · ${label}`;
  const detail = issue.detail ?? "";
  return `${where}: ${ta(`admin.form.issue.${issue.kind}`, { limit: detail, number: detail, message: detail })}`;
}
