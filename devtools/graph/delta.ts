// The driveItem delta feed. A round is materialised when it starts (a token-less request, or a
// deltaLink): the listing is fixed there and then, so pages stay consistent while the library keeps
// changing, and the round's deltaLink resumes from the library sequence number at its start, so a
// change made while a round is being paged is never lost: the next round lists it.
import type { Library } from "./library";
import { type DriveItemJson, renderDeleted, renderItem } from "./render";
import { type Random, seededRandom, shuffle } from "./random";

export interface Round {
  readonly id: string;
  readonly siteId: string;
  /** Library sequence number at the start of the round: the next round lists changes after it. */
  readonly upTo: number;
  readonly entries: DriveItemJson[];
}

// Rounds are kept so that a stored nextLink can resume after a crash; the oldest are forgotten
// beyond this many rounds or entries (the newest round is always kept), and a nextLink into a
// forgotten round answers 410 like an expired Graph token.
export const KEPT_ROUNDS = 64;
export const KEPT_ENTRIES = 250_000;

// Share of a full listing repeated later in the same round, so clients prove "last occurrence wins".
const FULL_LISTING_REPEATS = 0.02;

export class DeltaRounds {
  private readonly rounds = new Map<string, Round>();
  private keptEntries = 0;
  private started = 0;

  constructor(private readonly seed: number) {}

  /** since = undefined: a full listing of every live item, the root included. */
  start(library: Library, since: number | undefined): Round {
    const random = seededRandom((this.seed * 0x9e3779b1 + ++this.started) >>> 0);
    const entries = since === undefined ? fullListing(library, random) : changesSince(library, since);
    const round: Round = {
      id: `${this.started}`,
      siteId: library.siteId,
      upTo: library.currentSequence,
      entries: shuffle(entries, random),
    };
    this.rounds.set(round.id, round);
    this.keptEntries += round.entries.length;
    for (const [id, oldest] of this.rounds) {
      if (this.rounds.size === 1 || (this.rounds.size <= KEPT_ROUNDS && this.keptEntries <= KEPT_ENTRIES)) break;
      this.rounds.delete(id);
      this.keptEntries -= oldest.entries.length;
    }
    return round;
  }

  get(id: string): Round | undefined {
    return this.rounds.get(id);
  }
}

function fullListing(library: Library, random: Random): DriveItemJson[] {
  const entries: DriveItemJson[] = [];
  for (const node of library.allNodes()) {
    if (node.deletedAt === undefined) entries.push(renderItem(library, node, { withPath: false }));
  }
  const repeats = entries.filter(() => random() < FULL_LISTING_REPEATS);
  return entries.concat(repeats);
}

/** Every item changed after `since`, each live one followed by its ancestors (Graph repeats them). */
function changesSince(library: Library, since: number): DriveItemJson[] {
  const entries: DriveItemJson[] = [];
  for (const node of library.allNodes()) {
    if (node.changedAt <= since) continue;
    if (node.deletedAt !== undefined) {
      entries.push(renderDeleted(library, node));
      continue;
    }
    entries.push(renderItem(library, node, { withPath: false }));
    for (const ancestor of library.ancestors(node)) entries.push(renderItem(library, ancestor, { withPath: false }));
  }
  return entries;
}
