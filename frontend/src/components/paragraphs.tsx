/** Plain text with line breaks, shown as paragraphs (option descriptions are written that way). */
export function Paragraphs({ text }: { text: string }) {
  const paragraphs = text.split(/\n+/).filter((line) => line.trim() !== "");
  return (
    <>
      {paragraphs.map((paragraph, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: paragraphs never reorder, so their index is a stable key.
        <p key={index}>{paragraph}</p>
      ))}
    </>
  );
}
