/**
 * GitHub Actions expressions (`${{ … }}` and `if:` conditions), evaluated with GitHub's own implementation
 * (@actions/expressions, the library behind the Actions language service), so that which role a step logs in with,
 * or whether a job runs for a fork, is decided as the runner decides it.
 */
import type {
  data as Data,
  Evaluator as EvaluatorType,
  Lexer as LexerType,
  Parser as ParserType,
} from "@actions/expressions";

type Library = {
  Evaluator: typeof EvaluatorType;
  Lexer: typeof LexerType;
  Parser: typeof ParserType;
  data: typeof Data;
};

let library: Promise<Library> | undefined;
/** The library ships ES modules only; it is loaded once. */
function load(): Promise<Library> {
  library ??= import("@actions/expressions") as Promise<Library>;
  return library;
}

/** Contexts an expression may read: plain JSON values. */
export type ExpressionContext = Record<string, unknown>;

/** Status functions, as in a job whose earlier steps all succeeded. */
const STATUS = { success: true, always: true, cancelled: false, failure: false } as const;

function toData(lib: Library, value: unknown): Data.ExpressionData {
  const { data } = lib;
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === "string") return new data.StringData(value);
  if (typeof value === "number") return new data.NumberData(value);
  if (typeof value === "boolean") return new data.BooleanData(value);
  if (Array.isArray(value)) {
    const array = new data.Array();
    for (const item of value) array.add(toData(lib, item));
    return array;
  }
  const dictionary = new data.Dictionary();
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) dictionary.add(key, toData(lib, item));
  return dictionary;
}

/** Evaluates one expression (without `${{ }}`) to a JSON value. */
export async function evaluateExpression(expression: string, context: ExpressionContext): Promise<unknown> {
  const lib = await load();
  const lexed = new lib.Lexer(expression).lex();
  const functions = Object.keys(STATUS).map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const parsed = new lib.Parser(lexed.tokens, Object.keys(context), functions).parse();
  const implementations = new Map(
    Object.entries(STATUS).map(([name, result]) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new lib.data.BooleanData(result) },
    ]),
  );
  const result = new lib.Evaluator(parsed, toData(lib, context) as Data.Dictionary, implementations).evaluate();
  return fromData(lib, result);
}

function fromData(lib: Library, value: Data.ExpressionData): unknown {
  const { Kind } = lib.data;
  switch (value.kind) {
    case Kind.String:
    case Kind.Boolean:
    case Kind.Number:
      return (value as unknown as { value: unknown }).value;
    case Kind.Null:
      return null;
    default:
      return value.coerceString();
  }
}

/** A string with `${{ … }}` parts, each replaced by its value. A string that is one whole expression keeps its type. */
export async function evaluateTemplate(text: string, context: ExpressionContext): Promise<unknown> {
  const whole = /^\s*\$\{\{(.*)\}\}\s*$/s.exec(text);
  if (whole && !whole[1]!.includes("}}")) return evaluateExpression(whole[1]!, context);
  let out = "";
  let last = 0;
  for (const m of text.matchAll(/\$\{\{(.*?)\}\}/gs)) {
    out += text.slice(last, m.index) + String((await evaluateExpression(m[1]!, context)) ?? "");
    last = m.index! + m[0].length;
  }
  return out + text.slice(last);
}

/** An `if:` condition: an expression with or without `${{ }}`; absent means true. */
export async function conditionHolds(condition: unknown, context: ExpressionContext): Promise<boolean> {
  if (condition === undefined || condition === null) return true;
  if (typeof condition === "boolean") return condition;
  const text = String(condition).trim();
  const expression = /^\$\{\{(.*)\}\}$/s.exec(text)?.[1] ?? text;
  return truthy(await evaluateExpression(expression, context));
}

function truthy(value: unknown): boolean {
  return !(value === false || value === null || value === undefined || value === "" || value === 0);
}
