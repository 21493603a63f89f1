/**
 * IAM's wildcard strings, matched and reasoned about without sampling.
 *
 * `StringLike`, `ArnLike`, `Action`, `Resource` and Entra's `matches` share one pattern language: `*` stands for any
 * run of characters (including none, and including `/` and `:`), `?` for exactly one character, everything else for
 * itself. ("Using wildcards", IAM User Guide, reference_policies_elements_condition_operators.html#Conditions_String;
 * Entra: workload-identities-flexible-federated-identity-credentials.md, "Flexible federated identity credential
 * expression language functionality".)
 *
 * Besides matching a concrete string, this module answers the symbolic question the pack needs: "is there ANY string
 * that every one of these patterns admits?", and gives the shortest such string as a witness. Templates used by the
 * analysis may also hold runs restricted to a character class (`[^/:]*`: one GitHub name segment), so that a question
 * like "does this `sub` pattern admit an owner containing a character the pattern never spells out?" is exact.
 */

export type GlobToken =
  | { kind: "char"; ch: string }
  | { kind: "one" }
  | { kind: "any" }
  /** A run of characters, none of them in `exclude`. */
  | { kind: "run"; exclude: string }
  /** Exactly one character from `include`. */
  | { kind: "class"; include: string };

export interface Glob {
  tokens: GlobToken[];
  ignoreCase?: boolean;
}

/** An IAM wildcard pattern (`StringLike`, `ArnLike`, actions, resources). */
export function wildcardGlob(pattern: string, ignoreCase = false): Glob {
  const tokens: GlobToken[] = [];
  for (const ch of pattern) {
    if (ch === "*") tokens.push({ kind: "any" });
    else if (ch === "?") tokens.push({ kind: "one" });
    else tokens.push({ kind: "char", ch });
  }
  return { tokens, ignoreCase };
}

/** A string compared exactly (`StringEquals`, Entra `eq`): `*` and `?` are plain characters here. */
export function literalGlob(text: string, ignoreCase = false): Glob {
  return { tokens: [...text].map((ch) => ({ kind: "char", ch })), ignoreCase };
}

export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

const regexCache = new Map<string, RegExp>();

/** True when `text` matches the IAM wildcard `pattern` as a whole. */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? "i" : "s"}\u0000${pattern}`;
  let re = regexCache.get(key);
  if (!re) {
    const body = [...pattern]
      .map((ch) => (ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[.+^${}()|[\]\\*?]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, ignoreCase ? "iu" : "u");
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re.test(text);
}

function fold(ch: string, ignoreCase: boolean | undefined): string {
  return ignoreCase ? ch.toLowerCase() : ch;
}

/** Characters tried, in order, when a wildcard may stand for anything: plain ones valid in GitHub names first. */
const FILLERS = "xq0z9-a1b2k_.";

function isStar(token: GlobToken | undefined): boolean {
  return token?.kind === "any" || token?.kind === "run";
}

function accepts(token: GlobToken, ch: string, ignoreCase: boolean | undefined): boolean {
  switch (token.kind) {
    case "char":
      return fold(token.ch, ignoreCase) === fold(ch, ignoreCase);
    case "one":
    case "any":
      return true;
    case "run":
      return !token.exclude.includes(ch);
    case "class":
      return token.include.includes(ch);
  }
}

/**
 * The shortest string every glob admits, or undefined when their languages do not meet. A breadth-first search over
 * the product of the patterns' positions; a star may be skipped (matching nothing) or consume a character and stay.
 * Exact for the token kinds above: when the search finds nothing, no string exists.
 */
export function intersectGlobs(globs: Glob[], maxStates = 500_000): string | undefined {
  if (globs.length === 0) return "";
  const n = globs.length;
  const keyOf = (pos: number[]) => pos.join(",");
  const start = new Array<number>(n).fill(0);
  const seen = new Map<string, { prev?: string; ch?: string }>();
  // 0-1 BFS: epsilon moves (skip a star) go to the front, consuming moves to the back.
  const deque: number[][] = [start];
  seen.set(keyOf(start), {});
  while (deque.length > 0) {
    if (seen.size > maxStates) return undefined;
    const pos = deque.shift()!;
    const key = keyOf(pos);
    if (pos.every((p, i) => p === globs[i].tokens.length)) {
      let text = "";
      for (let k: string | undefined = key; k !== undefined; k = seen.get(k)?.prev)
        text = (seen.get(k)?.ch ?? "") + text;
      return text;
    }
    // Skipping a star matches nothing: same length, explored first.
    for (let i = 0; i < n; i++) {
      if (isStar(globs[i].tokens[pos[i]])) {
        const next = [...pos];
        next[i]++;
        const nk = keyOf(next);
        if (!seen.has(nk)) {
          seen.set(nk, { prev: key, ch: "" });
          deque.unshift(next);
        }
      }
    }
    if (pos.some((p, i) => p === globs[i].tokens.length)) continue;
    for (const ch of candidateCharacters(globs, pos)) {
      const next = pos.map((p, i) => {
        const token = globs[i].tokens[p];
        return isStar(token) ? p : p + 1;
      });
      const nk = keyOf(next);
      if (!seen.has(nk)) {
        seen.set(nk, { prev: key, ch });
        deque.push(next);
      }
    }
  }
  return undefined;
}

/** The characters worth trying at one product state: the one a literal forces, or a filler every token accepts. */
function candidateCharacters(globs: Glob[], pos: number[]): string[] {
  const tokens = pos.map((p, i) => globs[i].tokens[p]);
  const forced = tokens.find((t) => t.kind === "char") as { kind: "char"; ch: string } | undefined;
  const classes = tokens.filter((t) => t.kind === "class") as Array<{ kind: "class"; include: string }>;
  const pool = forced
    ? [forced.ch, forced.ch.toLowerCase(), forced.ch.toUpperCase()]
    : [...(classes[0]?.include ?? ""), ...FILLERS];
  for (const ch of pool) {
    if (tokens.every((t, i) => accepts(t, ch, globs[i].ignoreCase))) return [ch];
  }
  return [];
}

/** Builds analysis templates: `{seg}` is one GitHub name segment (no `/` or `:`), `{any}` anything, `{fresh}` a class. */
export function templateGlob(parts: Array<string | GlobToken>): Glob {
  const tokens: GlobToken[] = [];
  for (const part of parts) {
    if (typeof part === "string") for (const ch of part) tokens.push({ kind: "char", ch });
    else tokens.push(part);
  }
  return { tokens };
}

/** Characters a glob spells out literally: a character outside this set can only be matched by a wildcard. */
export function literalCharacters(globs: Glob[]): Set<string> {
  const out = new Set<string>();
  for (const g of globs)
    for (const t of g.tokens)
      if (t.kind === "char") {
        out.add(t.ch);
        if (g.ignoreCase) {
          out.add(t.ch.toLowerCase());
          out.add(t.ch.toUpperCase());
        }
      }
  return out;
}
