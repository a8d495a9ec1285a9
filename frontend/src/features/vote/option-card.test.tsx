import type { Option } from "@lb/common";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { setLocale } from "../../i18n";
import { OptionCard, type OptionCardProps } from "./option-card";

const longText = `一、背景目的\n${"甲".repeat(150)}\n二、主要做法\n${"乙".repeat(100)}`;
const option: Option = { id: "7", number: 7, title: "智慧海关 Smart Port", description: longText };

const render = (props: Partial<OptionCardProps> = {}) =>
  renderToStaticMarkup(
    <OptionCard
      option={option}
      mode="pick"
      checked={false}
      disabled={false}
      votes={null}
      onToggle={() => {}}
      {...props}
    />,
  );

beforeAll(() => setLocale("en"));

describe("OptionCard", () => {
  it("is a real checkbox labelled by the option's number and title", () => {
    const html = render();
    expect(html).toContain('<label class="option-pick" for="option-7"><input id="option-7" type="checkbox"');
    expect(html).toContain('<span class="option-number">7</span><span class="option-title">智慧海关 Smart Port</span>');
    expect(html).not.toContain("disabled");
    expect(render({ disabled: true })).toMatch(/<input[^>]* disabled=""/);
    expect(render({ checked: true })).toMatch(/<input[^>]* checked=""/);
  });

  it("shows vote counts only when the rules allow them, in the page's language", () => {
    expect(render()).not.toContain("option-votes");
    expect(render({ votes: 1 })).toContain('<span class="option-votes">1 vote</span>');
    expect(render({ votes: 22026 })).toContain('<span class="option-votes">22,026 votes</span>');
    setLocale("zh-CN");
    expect(render({ votes: 22026 })).toContain('<span class="option-votes">22,026票</span>');
    setLocale("en");
    // Space kept while the first live counts are on their way, so they arrive without moving anything.
    expect(render({ votes: "pending" })).toContain('<span class="option-votes">–</span>');
  });

  it("collapses a long description behind a button that says it expands", () => {
    const html = render();
    expect(html).toContain('aria-expanded="false" aria-controls="option-body-7"');
    expect(html).toContain("Show more");
    expect(html).not.toContain("二、主要做法"); // only the preview is rendered
    const short = renderToStaticMarkup(
      <OptionCard
        option={{ ...option, description: "第一段\n第二段" }}
        mode="pick"
        checked={false}
        disabled={false}
        votes={null}
        onToggle={() => {}}
      />,
    );
    expect(short).toContain("<p>第一段</p><p>第二段</p>");
    expect(short).not.toContain("aria-expanded");
  });

  it("marks search matches in the title and in the preview", () => {
    const html = render({ titleRanges: [{ start: 0, end: 2 }], descriptionRanges: [{ start: 2, end: 4 }] });
    expect(html).toContain("<mark>智慧</mark>海关");
    expect(html).toContain("一、<mark>背景</mark>目的");
  });

  it("has no checkbox once the voter cannot vote, and marks the voter's own picks", () => {
    const html = render({ mode: "read", checked: true });
    expect(html).not.toContain("checkbox");
    expect(html).toContain('<span class="option-mine">Your pick</span>');
  });
});
