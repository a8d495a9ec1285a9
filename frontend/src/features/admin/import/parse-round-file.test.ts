import { readFileSync } from "node:fs";
import { LIMITS } from "@lb/common";
import { describe, expect, it } from "vitest";
import { parseRoundFile } from "./parse-round-file";

// The real shared data file, as organisers will import it.
const demoText = readFileSync(
  new URL("../../../../../backend/data/qingdao-customs-2021.json", import.meta.url),
  "utf8",
);

const issuesOf = (result: ReturnType<typeof parseRoundFile>) => (result.ok ? [] : result.issues);

describe("JSON import", () => {
  it("accepts the shared data file and fills in defaults", () => {
    const result = parseRoundFile("qingdao-customs-2021.json", demoText);
    expect(result.ok && result.kind).toBe("json");
    if (!result.ok || result.kind !== "json") return;
    expect(result.round.title).toMatch(/^青岛海关/);
    expect(result.round.options).toHaveLength(64);
    expect(result.round.options[0]).toMatchObject({ id: "1", number: 1 });
    expect(result.round.rules).toMatchObject({ minChoices: 1, maxChoices: 15, resultsVisibility: "always" });
  });

  it("recognises JSON by its content when the name has no extension", () => {
    expect(parseRoundFile("round", demoText).ok).toBe(true);
  });

  it("reports a syntax error with its line", () => {
    const issues = issuesOf(parseRoundFile("r.json", '{\n  "title": "x",\n  "rules": {,\n}'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "badJson", line: 3 });
  });

  it("names the option with an empty title or a duplicate number", () => {
    const demo = JSON.parse(demoText) as { options: { number: number; title: string }[] };
    demo.options[4] = { ...demo.options[4], title: "  " } as { number: number; title: string };
    demo.options[9] = { ...demo.options[9], number: 3 } as { number: number; title: string };
    const issues = issuesOf(parseRoundFile("r.json", JSON.stringify(demo)));
    expect(issues).toEqual([
      { option: 5, code: "emptyTitle" },
      { option: 10, code: "duplicateNumber", values: { number: 3, first: 3 } },
    ]);
  });

  it("refuses more options than the limit", () => {
    const options = Array.from({ length: LIMITS.maxOptions + 1 }, (_, i) => ({ number: i + 1, title: `o${i}` }));
    const issues = issuesOf(
      parseRoundFile("r.json", JSON.stringify({ title: "t", rules: { minChoices: 1, maxChoices: 1 }, options })),
    );
    expect(issues).toEqual([{ code: "tooMany", values: { count: LIMITS.maxOptions + 1, max: LIMITS.maxOptions } }]);
  });

  it("passes other schema problems on with the field they concern", () => {
    const issues = issuesOf(
      parseRoundFile(
        "r.json",
        JSON.stringify({ title: "t", rules: { minChoices: 3, maxChoices: 2 }, options: [{ number: 1, title: "a" }] }),
      ),
    );
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.code === "invalid")).toBe(true);
    expect(issues.map((issue) => issue.values?.field)).toContain("rules.minChoices");
  });

  it("refuses an empty file and an unknown extension", () => {
    expect(issuesOf(parseRoundFile("r.json", " \n"))).toEqual([{ code: "emptyFile" }]);
    expect(issuesOf(parseRoundFile("r.xlsx", "PK..."))).toMatchObject([{ code: "unknownFormat" }]);
  });
});

describe("CSV import", () => {
  it("reads options with quoted titles and multi-line descriptions", () => {
    const csv = 'number,title,description\n1,"Port, east","first\nsecond"\n2,铁路直通,\n';
    const result = parseRoundFile("options.csv", csv);
    expect(result).toEqual({
      ok: true,
      kind: "csv",
      options: [
        { id: "1", number: 1, title: "Port, east", description: "first\nsecond" },
        { id: "2", number: 2, title: "铁路直通", description: "" },
      ],
    });
  });

  it("accepts a header without the description column, in any case", () => {
    const result = parseRoundFile("o.csv", "Number,Title\n7,Seven\n");
    expect(result.ok && result.kind === "csv" && result.options[0]).toMatchObject({ number: 7, title: "Seven" });
  });

  it("refuses wrong columns and says which it found", () => {
    expect(issuesOf(parseRoundFile("o.csv", "id,name,text\n1,a,b\n"))).toEqual([
      { code: "columns", line: 1, values: { found: "id,name,text" } },
    ]);
    expect(issuesOf(parseRoundFile("o.csv", "1,a,b\n2,c,d\n"))).toMatchObject([{ code: "columns", line: 1 }]);
  });

  it("lists every bad row with its line: field count, number, empty title, duplicate", () => {
    const csv = [
      "number,title,description",
      "1,One,",
      "2,Two",
      "x,Three,",
      "4,   ,",
      '5,"Five, with comma",',
      "1,Again,",
    ].join("\r\n");
    expect(issuesOf(parseRoundFile("o.csv", csv))).toEqual([
      { code: "fieldCount", line: 3, values: { count: 2, expected: 3 } },
      { code: "badNumber", line: 4, values: { value: "x" } },
      { code: "emptyTitle", line: 5 },
      { code: "duplicateNumber", line: 7, values: { number: 1, first: 2 } },
    ]);
  });

  it("keeps real line numbers after a quoted field with line breaks", () => {
    const csv = 'number,title,description\n1,One,"a\nb\nc"\n2,,\n';
    expect(issuesOf(parseRoundFile("o.csv", csv))).toEqual([{ code: "emptyTitle", line: 5 }]);
  });

  it("refuses an unclosed quote, a file with only a header, and too many options", () => {
    expect(issuesOf(parseRoundFile("o.csv", 'number,title\n1,"open\n'))).toEqual([{ code: "unclosedQuote", line: 2 }]);
    expect(issuesOf(parseRoundFile("o.csv", "number,title,description\n"))).toEqual([{ code: "noOptions" }]);
    const rows = Array.from({ length: LIMITS.maxOptions + 1 }, (_, i) => `${i + 1},o${i},`);
    expect(issuesOf(parseRoundFile("o.csv", ["number,title,description", ...rows].join("\n")))).toEqual([
      { code: "tooMany", values: { count: LIMITS.maxOptions + 1, max: LIMITS.maxOptions } },
    ]);
  });

  it("passes a title that is too long on with its line", () => {
    const csv = `number,title\n1,${"长".repeat(LIMITS.optionTitleMaxLength + 1)}\n`;
    expect(issuesOf(parseRoundFile("o.csv", csv))).toMatchObject([
      { code: "invalid", line: 2, values: { field: "title" } },
    ]);
  });
});
