/**
 * Property paths in the form Pulumi prints them (`spec.containers[0].env["AWS_REGION"]`): one reader and one
 * writer, shared by masking (which receives paths from the mock runtime and the detector) and the plan diff
 * (which prints them).
 */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(segments: PathSegment[]): string {
  return segments
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (IDENTIFIER.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join("");
}

/** Reads `a.b[0]["c.d"]`, `a.b.0.c` or `a/b/0/c` (JSON-pointer-like); numbers are array indexes. */
export function parsePath(path: string): PathSegment[] {
  if (path.startsWith("/")) {
    return path
      .slice(1)
      .split("/")
      .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  }
  const segments: PathSegment[] = [];
  const pattern = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[([^\]]*)\]|([^.[\]]+)/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else if (match[3] !== undefined) segments.push(match[3]);
    else if (/^\d+$/.test(match[4])) segments.push(Number(match[4]));
    else segments.push(match[4]);
  }
  return segments;
}

/** A string that holds a JSON object or array (IAM policies, ECS container definitions) is structure, not text. */
export function parseJsonStructure(value: string): object | undefined {
  const trimmed = value.trim();
  if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return parsed !== null && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every leaf of a value by path. Strings holding JSON structure are descended into, so that a change of one
 * condition in a trust policy shows as that condition, not as two unreadable policy documents.
 */
export function flattenLeaves(
  value: unknown,
  prefix: PathSegment[] = [],
  into = new Map<string, unknown>(),
): Map<string, unknown> {
  const structure = typeof value === "string" ? parseJsonStructure(value) : undefined;
  const node = structure ?? value;
  if (Array.isArray(node) && node.length > 0) {
    node.forEach((item, index) => flattenLeaves(item, [...prefix, index], into));
  } else if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0) {
    for (const [key, item] of Object.entries(node)) flattenLeaves(item, [...prefix, key], into);
  } else if (prefix.length > 0) {
    // An empty root has no leaves; an empty object or list further down is a value of its own.
    into.set(formatPath(prefix), node);
  }
  return into;
}
