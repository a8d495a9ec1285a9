import { type AuditLine, LIMITS, type NetworkRow, type PickSetRow, type SurgeRow } from "@lb/common";

const MINUTE_MS = 60_000;

/** What the integrity report computes from audit entries; the caller adds the counters and cuts to top N. */
export interface AuditAnalysis {
  entries: number;
  ballots: number;
  excluded: number;
  /** Sorted, most counted ballots first, at most `LIMITS.integrityTopMax` rows each. */
  networks: NetworkRow[];
  networkCount: number;
  pickSets: PickSetRow[];
  singleOption: { ballots: number; share: number };
  surges: SurgeRow[];
}

interface NetworkStats {
  ballots: number;
  excluded: number;
  credentials: Set<string>;
  ips: Set<string>;
  times: number[];
  sinceLoad: number[];
}

interface BallotFacts {
  network: string;
  choices: string[];
  minute: number;
}

/** Coefficient of variation (standard deviation / mean) of the gaps between sorted times; null below the minimum. */
export function gapCv(times: readonly number[]): number | null {
  if (times.length < LIMITS.integrityMinBallotsForCv) return null;
  const sorted = [...times].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((time, index) => time - (sorted[index] as number));
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
  // Every ballot in the same millisecond: as regular as it gets.
  if (mean === 0) return 0;
  const variance = gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length;
  return Math.sqrt(variance) / mean;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Analyses audit entries in log order (ballots, then the exclusions and undos that name them). Whether a ballot
 * is out is decided by replaying the exclusions among the entries: they always come after the ballots they
 * name, so a window of the newest entries knows the state of every ballot in it.
 */
export function analyseAudit(lines: Iterable<AuditLine>): AuditAnalysis {
  let entries = 0;
  const ballots = new Map<string, BallotFacts>();
  const networks = new Map<string, NetworkStats>();
  const out = new Set<string>();
  for (const line of lines) {
    entries++;
    if (line.kind === "ballot") {
      const at = Date.parse(line.receivedAt);
      ballots.set(line.ballotId, { network: line.network, choices: line.choices, minute: Math.floor(at / MINUTE_MS) });
      let stats = networks.get(line.network);
      if (!stats) {
        stats = { ballots: 0, excluded: 0, credentials: new Set(), ips: new Set(), times: [], sinceLoad: [] };
        networks.set(line.network, stats);
      }
      // A voter token's credential is its voter hash; a ticket's, the ticket (its hash in `voter`) in its batch.
      stats.credentials.add(line.cred === "token" ? line.voter : `${line.cred}:${line.voter}`);
      stats.ips.add(line.ip);
      stats.times.push(at);
      if (line.sinceLoadMs !== undefined) stats.sinceLoad.push(line.sinceLoadMs);
    } else {
      for (const ballotId of line.ballotIds) {
        if (!ballots.has(ballotId)) continue;
        if (line.kind === "exclude") out.add(ballotId);
        else out.delete(ballotId);
      }
    }
  }

  const pickSets = new Map<string, number>();
  const minutes = new Map<number, { ballots: number; votes: Map<string, number> }>();
  const overallVotes = new Map<string, number>();
  let counted = 0;
  let single = 0;
  for (const [ballotId, facts] of ballots) {
    const stats = networks.get(facts.network) as NetworkStats;
    if (out.has(ballotId)) {
      stats.excluded++;
      continue;
    }
    stats.ballots++;
    counted++;
    if (facts.choices.length === 1) single++;
    const key = facts.choices.length === 1 ? (facts.choices[0] as string) : [...facts.choices].sort().join(",");
    pickSets.set(key, (pickSets.get(key) ?? 0) + 1);
    let minute = minutes.get(facts.minute);
    if (!minute) {
      minute = { ballots: 0, votes: new Map() };
      minutes.set(facts.minute, minute);
    }
    minute.ballots++;
    for (const choice of facts.choices) {
      minute.votes.set(choice, (minute.votes.get(choice) ?? 0) + 1);
      overallVotes.set(choice, (overallVotes.get(choice) ?? 0) + 1);
    }
  }

  const share = (part: number) => (counted === 0 ? 0 : round3(part / counted));
  const networkRows: NetworkRow[] = [...networks.entries()]
    .map(([network, stats]) => {
      const cv = gapCv(stats.times);
      return {
        network,
        ballots: stats.ballots,
        excluded: stats.excluded,
        credentials: stats.credentials.size,
        ips: stats.ips.size,
        gapCv: cv === null ? null : round3(cv),
        regular: cv !== null && cv < LIMITS.integrityRegularCv,
        medianSinceLoadMs: median(stats.sinceLoad),
        // Filled in from the epoch's mint counters (integrity.repository.ts): minting is not in the audit log.
        minted: 0,
      };
    })
    .sort((a, b) => b.ballots - a.ballots || b.excluded - a.excluded || a.network.localeCompare(b.network))
    .slice(0, LIMITS.integrityTopMax);

  const pickSetRows: PickSetRow[] = [...pickSets.entries()]
    .map(([key, count]) => ({ choices: key.split(","), ballots: count, share: share(count) }))
    .sort((a, b) => b.ballots - a.ballots || a.choices.join(",").localeCompare(b.choices.join(",")))
    .slice(0, LIMITS.integrityTopMax);

  // An option's share of a busy minute against its share of the whole scan: a burst of ballots for one option.
  const surges: SurgeRow[] = [];
  for (const [minute, { ballots: minuteBallots, votes }] of minutes) {
    if (minuteBallots < LIMITS.integritySurgeMinBallots) continue;
    for (const [optionId, optionVotes] of votes) {
      const minuteShare = optionVotes / minuteBallots;
      const overallShare = (overallVotes.get(optionId) ?? 0) / counted;
      if (minuteShare >= overallShare * LIMITS.integritySurgeRatio) {
        surges.push({
          minute: new Date(minute * MINUTE_MS).toISOString(),
          optionId,
          votes: optionVotes,
          minuteBallots,
          share: round3(minuteShare),
          overallShare: round3(overallShare),
        });
      }
    }
  }
  surges.sort((a, b) => (b.share - b.overallShare) * b.votes - (a.share - a.overallShare) * a.votes);

  return {
    entries,
    ballots: counted,
    excluded: out.size,
    networks: networkRows,
    networkCount: networks.size,
    pickSets: pickSetRows,
    singleOption: { ballots: single, share: share(single) },
    surges: surges.slice(0, LIMITS.integrityTopMax),
  };
}
