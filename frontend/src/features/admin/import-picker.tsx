import { type ChangeEvent, useId, useState } from "react";
import { ta } from "./admin-messages";
import { type ImportIssue, type ImportResult, parseRoundFile } from "./import/parse-round-file";

/** Issues shown before "…and N more": a broken 500-row file should not bury the form. */
const SHOWN_ISSUES = 20;

type Imported = Extract<ImportResult, { ok: true }>;

/** Reads a JSON or CSV file in the browser; a good file fills the form below, a bad one lists what is wrong. */
export function ImportPicker({ onImport }: { onImport: (result: Imported, fileName: string) => void }) {
  const inputId = useId();
  const [report, setReport] = useState<
    { file: string; issues: ImportIssue[] } | { file: string; count: number } | null
  >(null);

  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    // The input keeps the file, so it shows the file's name; it is emptied when clicked (below), so that the same
    // file chosen again after fixing it fires again.
    const file = event.target.files?.[0];
    if (!file) return;
    const result = parseRoundFile(file.name, await file.text());
    if (!result.ok) {
      setReport({ file: file.name, issues: result.issues });
      return;
    }
    const count = result.kind === "json" ? result.round.options.length : result.options.length;
    setReport({ file: file.name, count });
    onImport(result, file.name);
  };

  return (
    <fieldset className="console-import">
      <legend>{ta("admin.import.heading")}</legend>
      <p className="muted">{ta("admin.import.help")}</p>
      <label htmlFor={inputId}>{ta("admin.import.choose")}</label>
      <input
        id={inputId}
        type="file"
        accept=".json,.csv,application/json,text/csv"
        onClick={(event) => {
          event.currentTarget.value = "";
        }}
        onChange={pick}
      />
      {report && "count" in report && (
        <p className="notice notice-ok" role="status">
          {ta("admin.import.loaded", { file: report.file, count: report.count })}
        </p>
      )}
      {report && "issues" in report && (
        <div className="notice notice-error" role="alert" data-testid="import-issues">
          <p>{ta("admin.import.failed", { file: report.file })}</p>
          <ul>
            {report.issues.slice(0, SHOWN_ISSUES).map((issue, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list from one parse; it never reorders.
              <li key={index}>{describeIssue(issue)}</li>
            ))}
          </ul>
          {report.issues.length > SHOWN_ISSUES && (
            <p>{ta("admin.import.more", { count: report.issues.length - SHOWN_ISSUES })}</p>
          )}
        </div>
      )}
    </fieldset>
  );
}

/** "Line 7: Number 1 is used twice (first on line 2)." */
export function describeIssue(issue: ImportIssue): string {
  const values = { ...issue.values };
  if (issue.code === "duplicateNumber" && values.first !== undefined) {
    values.first =
      issue.line !== undefined
        ? ta("admin.import.lineRef", { line: values.first })
        : ta("admin.import.optionRef", { option: values.first });
  }
  const text = ta(`admin.import.issue.${issue.code}`, values);
  if (issue.line !== undefined) return `${ta("admin.import.atLine", { line: issue.line })}: ${text}`;
  if (issue.option !== undefined) return `${ta("admin.import.atOption", { option: issue.option })}: ${text}`;
  return text;
}
