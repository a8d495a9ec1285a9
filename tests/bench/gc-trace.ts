/**
 * V8's `--trace-gc-nvp` lines of a process, read while it runs (bench:ingest --gc): how many young-generation
 * collections (scavenges) a stretch of work took, how much of what it allocated survived them and was promoted to
 * the old generation, and the pauses. High survival is what made the backend's GC cost a fifth of its CPU per
 * ballot while V8's allocation-site pretenuring was on (backend/src/gc-tuning.ts, BENCHMARKS.md "Pretenuring").
 */

/** The node flag that makes a process print the lines parseGcLine reads. */
export const GC_TRACE_FLAG = "--trace-gc-nvp";

/** Collects the collections a child started with GC_TRACE_FLAG prints on its stdout, as they come. */
export function collectGcEvents(child: { onStdout?: (line: string) => void }): GcEvent[] {
  const events: GcEvent[] = [];
  child.onStdout = (line) => {
    const event = parseGcLine(line);
    if (event) events.push(event);
  };
  return events;
}

export interface GcEvent {
  /** "s" for a scavenge, "mc" for a full (mark-compact) collection, V8's other codes as they come. */
  kind: string;
  pauseMs: number;
  survivedBytes: number;
  promotedBytes: number;
}

export interface GcSummary {
  scavenges: number;
  fullCollections: number;
  /** Medians over the scavenges. */
  survivedKiB: number;
  promotedKiB: number;
  pauseP50Ms: number;
  pauseMaxMs: number;
  /** Every collection's pauses, summed. */
  pauseTotalMs: number;
}

const field = (line: string, name: string): number => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1] ?? 0);

/** One `--trace-gc-nvp` line, or null for any other line. */
export function parseGcLine(line: string): GcEvent | null {
  const kind = /\bgc=([a-z]+)/.exec(line)?.[1];
  if (!kind || !line.includes("pause=")) return null;
  return {
    kind,
    pauseMs: field(line, "pause"),
    survivedBytes: field(line, "new_space_survived"),
    promotedBytes: field(line, "promoted"),
  };
}

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

export function summariseGc(events: readonly GcEvent[]): GcSummary {
  const scavenges = events.filter((event) => event.kind === "s");
  return {
    scavenges: scavenges.length,
    fullCollections: events.filter((event) => event.kind === "mc").length,
    survivedKiB: median(scavenges.map((event) => event.survivedBytes / 1024)),
    promotedKiB: median(scavenges.map((event) => event.promotedBytes / 1024)),
    pauseP50Ms: median(scavenges.map((event) => event.pauseMs)),
    pauseMaxMs: Math.max(0, ...events.map((event) => event.pauseMs)),
    pauseTotalMs: events.reduce((sum, event) => sum + event.pauseMs, 0),
  };
}
