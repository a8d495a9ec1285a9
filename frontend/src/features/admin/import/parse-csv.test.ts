import { describe, expect, it } from "vitest";
import { parseCsv } from "./parse-csv";

describe("parseCsv", () => {
  it("reads plain and quoted fields, with commas, quotes and line breaks inside quotes", () => {
    const text = 'number,title,description\r\n1,"Port, east","He said ""go"""\r\n2,Rail,"two\nlines"\n';
    expect(parseCsv(text)).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ["number", "title", "description"] },
        { line: 2, fields: ["1", "Port, east", 'He said "go"'] },
        { line: 3, fields: ["2", "Rail", "two\nlines"] },
      ],
    });
  });

  it("skips blank lines and a byte-order mark, and keeps empty fields", () => {
    const result = parseCsv("\uFEFFa,b\n\n1,\n");
    expect(result).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ["a", "b"] },
        { line: 3, fields: ["1", ""] },
      ],
    });
  });

  it("counts lines inside quoted fields so that later records keep their real line number", () => {
    const result = parseCsv('h\n"a\nb\nc"\nz');
    expect(result.ok && result.records.map((record) => record.line)).toEqual([1, 2, 5]);
  });

  it("reports a quote that is never closed, with the line it opened on", () => {
    expect(parseCsv('number,title\n1,ok\n2,"open\n3,x')).toEqual({ ok: false, unclosedQuoteLine: 3 });
  });
});
