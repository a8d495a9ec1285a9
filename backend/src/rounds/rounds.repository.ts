import { randomBytes } from "node:crypto";
import {
  BallotsPerVoterSchema,
  DEFAULT_TIME_ZONE,
  ElectorateSchema,
  type ErrorCode,
  mergeRules,
  type Option,
  ResultsVisibilitySchema,
  ROUND_TRANSITIONS,
  type RoundAction,
  type RoundCreate,
  type RoundPatch,
  RoundStatusSchema,
  type RoundSummary,
  type RoundView,
  ScreenVisibilitySchema,
  votingEnded,
  votingOpen,
} from "@lb/common";
import { sameSecret } from "../auth/admin-auth.js";
import { AppError } from "../http/app-error.js";
import { roundIndexKey, roundKeys } from "../redis/keys.js";
import { scripts } from "../redis/lua-script.js";
import { type RedisClient, scanKeys } from "../redis/redis-client.js";

/** How many times a write is retried when a reset or a concurrent edit moved the round under it. */
const MAX_ATTEMPTS = 5;
/** Parsed option lists kept in memory, keyed by round, epoch and revision (they never change under a key). */
const OPTIONS_CACHE_SIZE = 64;

/** The small, hot part of an epoch (everything but the options and what depends on the time of reading). */
export interface EpochState
  extends Omit<RoundSummary, "id" | "epoch" | "createdAt" | "archived" | "votingOpen" | "votingEnded" | "serverTime"> {
  seq: number;
}

/** The state hash fields of a definition (all but the options); the window is kept in ms for the ballot script. */
export function definitionFields(definition: Pick<RoundCreate, "title" | "description" | "rules">): string[] {
  const { rules } = definition;
  const ms = (iso: string | null) => (iso === null ? "" : String(Date.parse(iso)));
  return [
    ["title", definition.title],
    ["description", definition.description],
    ["min", String(rules.minChoices)],
    ["max", String(rules.maxChoices)],
    ["visibility", rules.resultsVisibility],
    ["screenVisibility", rules.screenVisibility],
    ["opensAt", ms(rules.opensAt)],
    ["closesAt", ms(rules.closesAt)],
    // Read by cast-ballot.lua: who may vote and how often.
    ["electorate", rules.electorate],
    ["perVoter", rules.ballotsPerVoter],
    ["timeZone", rules.timeZone],
    // Space-separated CIDRs ("" = any network); read by the integrity gate, not by the ballot script.
    ["allowedNetworks", rules.allowedNetworks.join(" ")],
  ].flat();
}

export function parseState(hash: Record<string, string>): EpochState | null {
  if (!hash.status) return null;
  const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);
  return {
    title: hash.title ?? "",
    description: hash.description ?? "",
    rules: {
      minChoices: Number(hash.min),
      maxChoices: Number(hash.max),
      resultsVisibility: ResultsVisibilitySchema.catch("always").parse(hash.visibility),
      screenVisibility: ScreenVisibilitySchema.catch("always").parse(hash.screenVisibility),
      opensAt: iso(hash.opensAt),
      closesAt: iso(hash.closesAt),
      // Rounds stored before these rules existed read as their defaults.
      electorate: ElectorateSchema.catch("open").parse(hash.electorate),
      ballotsPerVoter: BallotsPerVoterSchema.catch("once").parse(hash.perVoter),
      timeZone: hash.timeZone || DEFAULT_TIME_ZONE,
      allowedNetworks: hash.allowedNetworks ? hash.allowedNetworks.split(" ") : [],
    },
    optionCount: Number(hash.optionCount),
    status: RoundStatusSchema.parse(hash.status),
    seq: Number(hash.seq),
    // Ballots the organiser excluded are counted in `ballots` and left out of the total (integrity view).
    totalBallots: Number(hash.ballots) - Number(hash.excluded ?? 0),
    revision: Number(hash.revision),
    updatedAt: hash.updatedAt ?? "",
  };
}

/**
 * What a summary takes from the round's meta hash, as `HMGET meta ...META_FIELDS`: `resetEpoch` is the epoch the
 * last reset started while that reset can be undone (undo-reset.lua).
 */
export const META_FIELDS = ["createdAt", "archived", "resetEpoch"] as const;
export interface RoundMeta {
  createdAt: string;
  archived: boolean;
  resetEpoch: number | null;
}

export const metaFromReply = (reply: (string | null | undefined)[]): RoundMeta => ({
  createdAt: reply[0] ?? "",
  archived: reply[1] != null,
  resetEpoch: reply[2] ? Number(reply[2]) : null,
});

/** A summary as of `nowMs`: whether voting is open or over depends on the time as well as on the state. */
export function toSummary(
  roundId: string,
  epoch: number,
  meta: RoundMeta,
  state: EpochState,
  nowMs = Date.now(),
): RoundSummary {
  const { seq: _seq, ...rest } = state;
  const { resetEpoch, ...shown } = meta;
  return {
    id: roundId,
    epoch,
    ...shown,
    ...rest,
    // The script decides (ballots, not the total less exclusions); this tells the console to offer it.
    resetUndoable: resetEpoch === epoch && !meta.archived && state.totalBallots === 0,
    votingOpen: votingOpen(state.status, state.rules, nowMs),
    votingEnded: votingEnded(state.status, state.rules, nowMs),
    serverTime: new Date(nowMs).toISOString(),
  };
}

/** The message of each error a script can return; `detail` is the script's third value. */
const SCRIPT_ERRORS: Partial<Record<ErrorCode, (detail: string) => string>> = {
  ROUND_NOT_FOUND: () => "No round has this id.",
  ROUND_ARCHIVED: () => "The round is archived: unarchive it to change it.",
  ROUND_EXISTS: () => "A round with this id exists already.",
  ROUND_LOCKED: () => "Rules and options are locked: this epoch has ballots. Reset the round to edit them.",
  INVALID_TRANSITION: (status) => `The round is ${status}: this change is not possible from there.`,
  RESET_NOT_UNDOABLE: (why) =>
    ({
      ballots: "The new epoch has a ballot: the reset can no longer be undone.",
      moved: "The round is not at the epoch you mean to undo: it moved on.",
    })[why] ?? "There is no reset to undo.",
  ROUND_NOT_OPEN: (why) =>
    ({ notYetOpen: "Voting has not opened yet.", ended: "Voting has ended." })[why] ??
    `The round is not open for voting (it is ${why}).`,
  ALREADY_VOTED: (when) =>
    when === "today" ? "This voter has already voted today." : "This voter has already voted in this round.",
  INVALID_VOTER_TOKEN: (presented) =>
    presented === "presented" ? "The voter token is not valid." : "A voter token is needed: POST /api/voters first.",
  TICKET_REQUIRED: () => "This round takes ballots with a ticket: send its code as `ticket`.",
  TICKET_INVALID: () => "This code is not one of the round's tickets.",
  TICKET_USED: (when) =>
    when === "today" ? "This ticket has already voted today." : "This ticket has already voted in this round.",
  TOO_FEW_CHOICES: (min) => `Pick at least ${min} options.`,
  INVALID_BODY: (detail) => `The ballot could not be read: ${detail}.`,
  TOO_MANY_CHOICES: (max) => `Pick at most ${max} options.`,
  UNKNOWN_OPTION: (id) => `The round has no option "${id}".`,
};

/** Field/value pairs as the scripts take them: their count first. */
const withCount = (fieldsAndValues: string[]) => [String(fieldsAndValues.length / 2), ...fieldsAndValues];
const optionIds = (options: Option[]) => options.map((option) => option.id);

/** The AppError of a script's `{'ERR', code, detail?}` reply. */
export function scriptError(result: string[], messages: typeof SCRIPT_ERRORS = SCRIPT_ERRORS): AppError {
  const code = result[1] as ErrorCode;
  const message = messages[code] ?? SCRIPT_ERRORS[code];
  return new AppError(code, message?.(result[2] ?? "") ?? code);
}

function fail(result: string[], messages: typeof SCRIPT_ERRORS = SCRIPT_ERRORS): never {
  throw scriptError(result, messages);
}

/** Who may see a round: organisers only until it is first opened (a draft), then everyone. */
export type RoundAudience = "organisers" | "everyone";

export class RoundsRepository {
  private readonly optionsCache = new Map<string, Option[]>();

  constructor(private readonly redis: RedisClient) {}

  async currentEpoch(roundId: string): Promise<number | null> {
    const epoch = await this.redis.hget(roundKeys(roundId).meta, "epoch");
    return epoch === null ? null : Number(epoch);
  }

  async requireCurrentEpoch(roundId: string): Promise<number> {
    const epoch = await this.currentEpoch(roundId);
    if (epoch === null) throw new AppError("ROUND_NOT_FOUND", "No round has this id.");
    return epoch;
  }

  /**
   * Runs a script against the current epoch's keys, again with the new epoch when a reset happened between
   * reading the epoch and running the script (the script checks the epoch it was given).
   */
  async onCurrentEpoch<Reply extends unknown[] = string[]>(
    roundId: string,
    run: (epoch: number) => Promise<Reply>,
    knownEpoch?: number,
    messages?: typeof SCRIPT_ERRORS,
  ): Promise<{ epoch: number; result: Reply }> {
    let epoch = knownEpoch ?? (await this.requireCurrentEpoch(roundId));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const result = await run(epoch);
      if (result[0] === "EPOCH") {
        epoch = Number(result[1]);
        continue;
      }
      if (result[0] === "RETRY") continue;
      if (result[0] === "ERR") fail(result as string[], messages);
      return { epoch, result };
    }
    throw new AppError("UNAVAILABLE", "The round kept changing; try again.");
  }

  async create(round: RoundCreate & { id: string }): Promise<RoundView> {
    const keys = roundKeys(round.id);
    const epochKeys = keys.epoch(1);
    const now = new Date().toISOString();
    const result = await scripts.createRound.run(
      this.redis,
      [keys.meta, epochKeys.state, epochKeys.options, epochKeys.tally],
      [
        round.id,
        now,
        JSON.stringify(round.options),
        ...withCount(definitionFields(round)),
        ...optionIds(round.options),
      ],
    );
    if (result[0] === "ERR") fail(result);
    // The index lives outside the round's hash tag, so it cannot join the script; it only lists rounds.
    await this.redis.zadd(roundIndexKey, Date.now(), round.id);
    return this.requireView(round.id);
  }

  async listIds(): Promise<string[]> {
    return this.redis.zrange(roundIndexKey, 0, -1);
  }

  /** Every round for organisers; for everyone else only the rounds that are public and not archived. */
  async list(forOrganiser: boolean): Promise<RoundSummary[]> {
    const ids = await this.listIds();
    const [summaries, audiences] = await Promise.all([
      Promise.all(ids.map((id) => this.summary(id))),
      forOrganiser ? [] : Promise.all(ids.map((id) => this.audience(id))),
    ]);
    return summaries.filter(
      (summary, index): summary is RoundSummary =>
        summary !== null && (forOrganiser || (!summary.archived && audiences[index] === "everyone")),
    );
  }

  /**
   * Who may see the round, or null when there is none. A round stays with organisers until it is first opened:
   * its title and options are not public yet. Once opened it stays public (a reset or an archive does not hide
   * it again: its links are out).
   */
  async audience(roundId: string): Promise<RoundAudience | null> {
    const keys = roundKeys(roundId);
    const [epoch, opened] = await this.redis.hmget(keys.meta, "epoch", "opened");
    if (epoch === null) return null;
    if (opened !== null) return "everyone";
    const status = await this.redis.hget(keys.epoch(Number(epoch)).state, "status");
    return status === "draft" ? "organisers" : "everyone";
  }

  /** For callers who are not organisers: a round they may not see answers as if it did not exist. */
  async requirePublic(roundId: string): Promise<void> {
    if ((await this.audience(roundId)) !== "everyone") {
      throw new AppError("ROUND_NOT_FOUND", "No round has this id.");
    }
  }

  /** The summary of an epoch (the current one by default), or null when there is no such round or epoch. */
  async summary(roundId: string, epoch?: number): Promise<RoundSummary | null> {
    const keys = roundKeys(roundId);
    const current = await this.currentEpoch(roundId);
    if (current === null) return null;
    const wanted = epoch ?? current;
    const [state, meta] = await Promise.all([
      this.redis.hgetall(keys.epoch(wanted).state),
      this.redis.hmget(keys.meta, ...META_FIELDS),
    ]);
    const parsed = parseState(state);
    return parsed ? toSummary(roundId, wanted, metaFromReply(meta), parsed) : null;
  }

  async requireSummary(roundId: string, epoch?: number): Promise<RoundSummary> {
    const summary = await this.summary(roundId, epoch);
    if (summary) return summary;
    if (epoch !== undefined && (await this.currentEpoch(roundId)) !== null) {
      throw new AppError("EPOCH_NOT_FOUND", `Round ${roundId} has no epoch ${epoch}.`);
    }
    throw new AppError("ROUND_NOT_FOUND", "No round has this id.");
  }

  async requireView(roundId: string, epoch?: number): Promise<RoundView> {
    const { optionCount: _count, ...summary } = await this.requireSummary(roundId, epoch);
    const options = await this.options(roundId, summary.epoch, summary.revision);
    return { ...summary, options };
  }

  /** An epoch's options, parsed once per revision. */
  async options(roundId: string, epoch: number, revision: number): Promise<Option[]> {
    const cacheKey = `${roundId}:${epoch}:${revision}`;
    const cached = this.optionsCache.get(cacheKey);
    if (cached) return cached;
    const json = await this.redis.get(roundKeys(roundId).epoch(epoch).options);
    const options = JSON.parse(json ?? "[]") as Option[];
    if (this.optionsCache.size >= OPTIONS_CACHE_SIZE) {
      const oldest = this.optionsCache.keys().next().value;
      if (oldest !== undefined) this.optionsCache.delete(oldest);
    }
    this.optionsCache.set(cacheKey, options);
    return options;
  }

  async update(roundId: string, patch: RoundPatch): Promise<RoundView> {
    const keys = roundKeys(roundId);
    await this.onCurrentEpoch(roundId, async (epoch) => {
      const current = await this.requireView(roundId, epoch);
      const rules = mergeRules(current.rules, patch.rules);
      if (typeof rules === "string") throw new AppError("INVALID_BODY", `rules: ${rules}`);
      const options = patch.options ?? current.options;
      if (rules.minChoices > options.length) {
        throw new AppError("INVALID_BODY", `minChoices (${rules.minChoices}) exceeds the number of options.`);
      }
      // What a counted ballot depends on is locked once there is one; titles, visibility and the window are not.
      // Who may vote and how often count too: switching electorate or day rules mid-epoch would mix ballots
      // counted under two rules (token ballots in a tickets count, two ballots in one "day" of a new zone).
      const locked =
        patch.options !== undefined ||
        rules.minChoices !== current.rules.minChoices ||
        rules.maxChoices !== current.rules.maxChoices ||
        rules.electorate !== current.rules.electorate ||
        rules.ballotsPerVoter !== current.rules.ballotsPerVoter ||
        rules.timeZone !== current.rules.timeZone;
      const definition = {
        title: patch.title ?? current.title,
        description: patch.description ?? current.description,
        rules,
      };
      const epochKeys = keys.epoch(epoch);
      return scripts.updateRound.run(
        this.redis,
        [keys.meta, epochKeys.state, epochKeys.options, epochKeys.tally],
        [
          epoch,
          current.revision,
          new Date().toISOString(),
          locked ? "1" : "0",
          patch.options ? JSON.stringify(patch.options) : "",
          ...withCount(definitionFields(definition)),
          ...optionIds(patch.options ?? []),
        ],
      );
    });
    return this.requireView(roundId);
  }

  /** The round's screen key, made on first use; `rotate` replaces it so that the old one stops working. */
  async screenKey(roundId: string, rotate: boolean): Promise<string> {
    const { meta } = roundKeys(roundId);
    await this.requireCurrentEpoch(roundId);
    const fresh = randomBytes(18).toString("base64url");
    if (rotate) await this.redis.hset(meta, "screenKey", fresh);
    else await this.redis.hsetnx(meta, "screenKey", fresh);
    return (await this.redis.hget(meta, "screenKey")) ?? fresh;
  }

  async isScreenKey(roundId: string, key: string): Promise<boolean> {
    const stored = await this.redis.hget(roundKeys(roundId).meta, "screenKey");
    return stored !== null && sameSecret(stored, key);
  }

  async transition(roundId: string, action: RoundAction): Promise<RoundView> {
    const keys = roundKeys(roundId);
    const { target, from } = ROUND_TRANSITIONS[action];
    await this.onCurrentEpoch(roundId, (epoch) =>
      scripts.setStatus.run(
        this.redis,
        [keys.meta, keys.epoch(epoch).state],
        [epoch, target, new Date().toISOString(), from.join(",")],
      ),
    );
    return this.requireView(roundId);
  }

  async reset(roundId: string): Promise<RoundView> {
    const keys = roundKeys(roundId);
    await this.onCurrentEpoch(roundId, (epoch) => {
      const [old, next] = [keys.epoch(epoch), keys.epoch(epoch + 1)];
      // The rest of the new epoch's keys: an undone reset's late writers may have left some (removed first).
      const { state, options, tally, ...rest } = next;
      return scripts.resetRound.run(
        this.redis,
        [keys.meta, old.state, old.options, state, options, tally, ...Object.values(rest)],
        [epoch, new Date().toISOString()],
      );
    });
    return this.requireView(roundId);
  }

  /**
   * Undoes the last reset while its epoch has no ballot: the previous epoch is current again with the status it
   * had. `expected` is the epoch the caller means to undo; undoing an undone reset again changes nothing.
   */
  async undoReset(roundId: string, expected?: number): Promise<RoundView> {
    const keys = roundKeys(roundId);
    await this.onCurrentEpoch(roundId, async (epoch) => {
      // Every key of the new epoch goes: those keys.ts names and any other under its prefix.
      const current = keys.epoch(epoch);
      const prefix = current.state.slice(0, -"state".length);
      const others = new Set([...Object.values(current), ...(await this.scanRoundKeys(roundId, `${prefix}*`))]);
      others.delete(current.state);
      return scripts.undoReset.run(
        this.redis,
        [keys.meta, keys.epoch(Math.max(epoch - 1, 1)).state, current.state, ...others],
        [epoch, new Date().toISOString(), expected === undefined ? "" : String(expected)],
      );
    });
    return this.requireView(roundId);
  }

  /** Archives (`true`) or unarchives a round; archiving needs a draft or a closed round. */
  async setArchived(roundId: string, archived: boolean): Promise<RoundView> {
    const keys = roundKeys(roundId);
    await this.onCurrentEpoch(
      roundId,
      (epoch) =>
        scripts.archiveRound.run(
          this.redis,
          [keys.meta, keys.epoch(epoch).state],
          [epoch, new Date().toISOString(), archived ? "1" : "0"],
        ),
      undefined,
      {
        INVALID_TRANSITION: (status) =>
          `The round is ${status}: close it first (only drafts and closed rounds can be archived).`,
      },
    );
    return this.requireView(roundId);
  }

  /**
   * Deletes a round that was never opened, or an archived one: every key of every epoch (those keys.ts names and
   * any other key under the round's hash tag), then its entry in the index.
   */
  async delete(roundId: string): Promise<void> {
    const keys = roundKeys(roundId);
    const known = (epoch: number) => {
      const epochs = Array.from({ length: epoch }, (_, index) => Object.values(keys.epoch(index + 1)));
      return [keys.presence, ...epochs.flat()];
    };
    const { epoch } = await this.onCurrentEpoch(
      roundId,
      async (epoch) => {
        const state = keys.epoch(epoch).state;
        const others = new Set([...known(epoch), ...(await this.scanRoundKeys(roundId))]);
        others.delete(keys.meta);
        others.delete(state);
        return scripts.deleteRound.run(this.redis, [keys.meta, state, ...others], [epoch]);
      },
      undefined,
      {
        INVALID_TRANSITION: (status) =>
          `The round is ${status}: only drafts that were never opened and archived rounds can be deleted.`,
      },
    );
    // The index lives outside the round's hash tag; a round created again under this id meanwhile keeps its entry.
    await this.redis.zrem(roundIndexKey, roundId);
    if ((await this.currentEpoch(roundId)) !== null) await this.redis.zadd(roundIndexKey, Date.now(), roundId);
    // Keys written by requests still in flight during the deletion (a refused ballot's counter, a presence report).
    const late = new Set([...known(epoch), ...(await this.scanRoundKeys(roundId))]);
    late.delete(keys.meta);
    await scripts.deleteRound.run(this.redis, [keys.meta, keys.epoch(epoch).state, ...late], [""]);
  }

  /**
   * Every key under the round's hash tag, by SCAN (never a blocking KEYS) on every data node: on a cluster they all
   * live on the node of the tag's slot, unless that slot is being migrated. The store holds a few keys per epoch.
   */
  private scanRoundKeys(roundId: string, match = `${roundKeys(roundId).meta.slice(0, -"meta".length)}*`) {
    return scanKeys(this.redis, match);
  }
}
