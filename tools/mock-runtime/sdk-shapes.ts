/**
 * The shape of what a provider returns, read from the type information its Node.js SDK ships: a provider function's
 * `<Name>Result` interface (`@pulumi/aws/ec2/getVpc.d.ts`) or a resource class's `pulumi.Output<…>` properties
 * (`@pulumi/aws/iam/role.d.ts`), with nested types resolved in the SDK's `types/output.d.ts`. The SDKs are generated
 * from each provider's schema, so these declarations are the schema as installed, at the installed version.
 *
 * TypeScript's own parser reads the declarations (syntax only, no type-checking); it is loaded only when a shape is
 * needed, and each file is parsed once per process. Shapes read once are kept on disk per package version
 * (node_modules/.cache/zerosecrets/sdk-shapes/<package>@<version>.json): they depend on nothing else, and a warm
 * cache spares every later run the parser's start-up.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type * as TS from "typescript";

export type Shape =
  | { kind: "string"; literal?: string }
  | { kind: "number" }
  | { kind: "boolean" }
  | { kind: "any" }
  | { kind: "array"; items: Shape }
  | { kind: "map"; values: Shape }
  | { kind: "object"; typeName?: string; properties: PropertyShape[] }
  /** A named type in the SDK's `types/output.d.ts` (`outputs.ec2.X` → ["ec2", "X"]), read when a value needs it. */
  | { kind: "ref"; typeName: string; packageDir: string; path: string[] };

export interface PropertyShape {
  name: string;
  /** Declared `name?:` or typed `T | undefined`: a provider may leave it out. */
  optional: boolean;
  shape: Shape;
}

/** A token split into the SDK package and the file that declares its member. */
export interface TokenLocation {
  /** npm package, e.g. `@pulumi/aws`. */
  packageName: string;
  /** Directory inside the package (`ec2`, `storage/v20230101`, or `` for the package root). */
  directory: string;
  /** The member: `getVpc`, `Role`. */
  member: string;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * `aws:ec2/getVpc:getVpc` → @pulumi/aws, `ec2`, getVpc (bridged providers repeat the member in the module);
 * `azure-native:storage:listStorageAccountKeys` → @pulumi/azure-native, `storage`; module `index` is the root.
 */
export function locateToken(token: string): TokenLocation | undefined {
  const parts = token.split(":");
  if (parts.length !== 3 || parts.some((part) => part === "")) return undefined;
  const [pkg, module, member] = parts as [string, string, string];
  const segments = module.split("/");
  if (segments.length > 1 && segments[segments.length - 1] === lowerFirst(member)) segments.pop();
  const directory = segments.join("/") === "index" ? "" : segments.join("/");
  return { packageName: `@pulumi/${pkg}`, directory, member };
}

let typescript: typeof TS | undefined;
const ts = (): typeof TS => (typescript ??= require("typescript") as typeof TS);

/** Resolves an SDK package from the program's directory first (its own SDK), then from this checkout. */
export type PackageResolver = (packageName: string) => string | undefined;

export function packageResolver(fromDirectories: string[]): PackageResolver {
  const cache = new Map<string, string | undefined>();
  return (packageName) => {
    if (!cache.has(packageName)) {
      let found: string | undefined;
      for (const from of fromDirectories) {
        try {
          found = dirname(require.resolve(`${packageName}/package.json`, { paths: [from] }));
          break;
        } catch {
          // not installed there; try the next directory
        }
      }
      cache.set(packageName, found);
    }
    return cache.get(packageName);
  };
}

const parsed = new Map<string, TS.SourceFile | undefined>();

function sourceFile(file: string): TS.SourceFile | undefined {
  if (!parsed.has(file)) {
    parsed.set(
      file,
      existsSync(file) ? ts().createSourceFile(file, readFileSync(file, "utf8"), ts().ScriptTarget.Latest) : undefined,
    );
  }
  return parsed.get(file);
}

/** Nested output types live in one large file per package; each referenced interface is cut out and parsed alone. */
const outputTypeText = new Map<string, string>();
const interfaceCache = new Map<string, TS.InterfaceDeclaration | null>();
const namespaceBodies = new Map<string, string>();

function outputInterface(packageDir: string, path: string[]): TS.InterfaceDeclaration | undefined {
  const key = `${packageDir}\u0000${path.join(".")}`;
  if (interfaceCache.has(key)) return interfaceCache.get(key) ?? undefined;
  const file = join(packageDir, "types", "output.d.ts");
  if (!outputTypeText.has(file)) outputTypeText.set(file, existsSync(file) ? readFileSync(file, "utf8") : "");
  let text = outputTypeText.get(file)!;
  let indent = "";
  // Walk down `export declare namespace a {` then `    namespace b {`, narrowing the text to each namespace body.
  for (const [depth, namespace] of path.slice(0, -1).entries()) {
    const bodyKey = `${file}\u0000${path.slice(0, depth + 1).join(".")}`;
    let body = namespaceBodies.get(bodyKey);
    if (body === undefined) {
      const opener =
        depth === 0 ? `\nexport declare namespace ${namespace} {\n` : `\n${indent}namespace ${namespace} {\n`;
      const start = text.indexOf(opener);
      const end = start < 0 ? -1 : text.indexOf(`\n${indent}}\n`, start + opener.length);
      body = start < 0 ? "" : text.slice(start + opener.length - 1, end < 0 ? undefined : end + 1);
      namespaceBodies.set(bodyKey, body);
    }
    if (body === "") return remember(key, undefined);
    text = body;
    indent += "    ";
  }
  const name = path[path.length - 1]!;
  const prefix = path.length === 1 ? "export interface" : `${indent}interface`;
  const opener = `\n${prefix} ${name} {\n`;
  const start = text.indexOf(opener);
  if (start < 0) return remember(key, undefined);
  const close = `\n${path.length === 1 ? "" : indent}}\n`;
  const end = text.indexOf(close, start + opener.length);
  const snippet = `interface ${name} {\n${text.slice(start + opener.length, end < 0 ? undefined : end)}\n}\n`;
  const source = ts().createSourceFile(`${name}.d.ts`, snippet, ts().ScriptTarget.Latest);
  const declaration = source.statements.find(ts().isInterfaceDeclaration);
  return remember(key, declaration);
}

function remember(key: string, declaration: TS.InterfaceDeclaration | undefined): TS.InterfaceDeclaration | undefined {
  interfaceCache.set(key, declaration ?? null);
  return declaration;
}

const MAX_DEPTH = 6;

/** `outputs.ec2.GetVpcFilter` from its syntax tree (no parent pointers needed). */
function entityName(name: TS.EntityName): string {
  return ts().isIdentifier(name) ? name.text : `${entityName(name.left)}.${name.right.text}`;
}

function typeToShape(node: TS.TypeNode | undefined, packageDir: string, depth: number): Shape {
  const t = ts();
  if (node === undefined || depth > MAX_DEPTH) return { kind: "any" };
  switch (node.kind) {
    case t.SyntaxKind.StringKeyword:
      return { kind: "string" };
    case t.SyntaxKind.NumberKeyword:
      return { kind: "number" };
    case t.SyntaxKind.BooleanKeyword:
      return { kind: "boolean" };
  }
  if (t.isParenthesizedTypeNode(node)) return typeToShape(node.type, packageDir, depth);
  if (t.isArrayTypeNode(node)) return { kind: "array", items: typeToShape(node.elementType, packageDir, depth + 1) };
  if (t.isLiteralTypeNode(node) && t.isStringLiteral(node.literal))
    return { kind: "string", literal: node.literal.text };
  if (t.isUnionTypeNode(node)) {
    const defined = node.types.filter(
      (member) =>
        member.kind !== t.SyntaxKind.UndefinedKeyword &&
        !(t.isLiteralTypeNode(member) && member.literal.kind === t.SyntaxKind.NullKeyword),
    );
    return typeToShape(defined[0], packageDir, depth);
  }
  if (t.isTypeLiteralNode(node)) {
    const index = node.members.find(t.isIndexSignatureDeclaration);
    if (index) return { kind: "map", values: typeToShape(index.type, packageDir, depth + 1) };
    return { kind: "object", properties: membersToShapes(node.members, packageDir, depth + 1) };
  }
  if (t.isTypeReferenceNode(node)) {
    const name = entityName(node.typeName);
    const [argument] = node.typeArguments ?? [];
    if (name === "pulumi.Output" || name === "pulumi.Input" || name === "Promise") {
      return typeToShape(argument, packageDir, depth);
    }
    if (name === "Record") return { kind: "map", values: typeToShape(node.typeArguments?.[1], packageDir, depth + 1) };
    if (name === "Array") return { kind: "array", items: typeToShape(argument, packageDir, depth + 1) };
    if (name.startsWith("enums.")) return { kind: "string" };
    if (name.startsWith("outputs.")) {
      const path = name.split(".").slice(1);
      return { kind: "ref", typeName: path[path.length - 1]!, packageDir, path };
    }
  }
  return { kind: "any" };
}

function isOptional(member: TS.PropertySignature | TS.PropertyDeclaration): boolean {
  const t = ts();
  if (member.questionToken) return true;
  // `pulumi.Output<string | undefined>`: the provider may return nothing.
  let type = member.type;
  while (type && t.isTypeReferenceNode(type) && type.typeArguments?.length === 1) type = type.typeArguments[0];
  return (
    type !== undefined && t.isUnionTypeNode(type) && type.types.some((m) => m.kind === t.SyntaxKind.UndefinedKeyword)
  );
}

function membersToShapes(
  members: TS.NodeArray<TS.TypeElement | TS.ClassElement>,
  packageDir: string,
  depth: number,
): PropertyShape[] {
  const t = ts();
  const shapes: PropertyShape[] = [];
  for (const member of members) {
    if (!(t.isPropertySignature(member) || t.isPropertyDeclaration(member))) continue;
    if (!member.name || !(t.isIdentifier(member.name) || t.isStringLiteral(member.name))) continue;
    if (member.modifiers?.some((modifier) => modifier.kind === t.SyntaxKind.StaticKeyword)) continue;
    const name = member.name.text;
    if (name.startsWith("__")) continue;
    shapes.push({ name, optional: isOptional(member), shape: typeToShape(member.type, packageDir, depth) });
  }
  return shapes;
}

/** Shapes already read, per package version, kept between runs. */
interface ShapeCache {
  file: string;
  entries: Record<string, Shape | null>;
  dirty: boolean;
}

const CACHE_DIR = join(__dirname, "..", "..", "node_modules", ".cache", "zerosecrets", "sdk-shapes");
const caches = new Map<string, ShapeCache>();

function cacheOf(packageDir: string): ShapeCache {
  let cache = caches.get(packageDir);
  if (!cache) {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    const file = join(CACHE_DIR, `${manifest.name.replace("/", "+")}@${manifest.version}.json`);
    let entries: Record<string, Shape | null> = {};
    try {
      entries = JSON.parse(readFileSync(file, "utf8")) as Record<string, Shape | null>;
    } catch {
      // no cache yet, or an unreadable one: start afresh
    }
    cache = { file, entries, dirty: false };
    caches.set(packageDir, cache);
    if (caches.size === 1) process.once("exit", saveCaches);
  }
  return cache;
}

function saveCaches(): void {
  for (const cache of caches.values()) {
    if (!cache.dirty) continue;
    try {
      mkdirSync(dirname(cache.file), { recursive: true });
      const staging = `${cache.file}.${process.pid}.tmp`;
      writeFileSync(staging, JSON.stringify(cache.entries));
      renameSync(staging, cache.file); // atomic: a concurrent reader sees the old file or the new one
    } catch {
      // a cache that cannot be written costs the next run the parser's start-up, nothing else
    }
  }
}

function cached(packageDir: string, key: string, read: () => Shape | undefined): Shape | undefined {
  const cache = cacheOf(packageDir);
  if (!(key in cache.entries)) {
    cache.entries[key] = read() ?? null;
    cache.dirty = true;
  }
  return cache.entries[key] ?? undefined;
}

/** The object shape a `ref` names. */
export function resolveRef(ref: Extract<Shape, { kind: "ref" }>): Shape {
  const shape = cached(ref.packageDir, `outputs:${ref.path.join(".")}`, () => {
    const declaration = outputInterface(ref.packageDir, ref.path);
    return declaration
      ? { kind: "object", typeName: ref.typeName, properties: membersToShapes(declaration.members, ref.packageDir, 1) }
      : undefined;
  });
  return shape ?? { kind: "any" };
}

export interface SdkShape {
  shape: Shape;
  /** The package version the shape was read from, for messages. */
  packageVersion: string;
}

const versions = new Map<string, string>();

function packageVersion(packageDir: string): string {
  if (!versions.has(packageDir)) {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version?: string };
    versions.set(packageDir, manifest.version ?? "?");
  }
  return versions.get(packageDir)!;
}

function declarationFile(location: TokenLocation, packageDir: string): TS.SourceFile | undefined {
  return sourceFile(join(packageDir, location.directory, `${lowerFirst(location.member)}.d.ts`));
}

/** The `<Member>Result` of a provider function, e.g. `GetVpcResult` for `aws:ec2/getVpc:getVpc`. */
export function functionResultShape(token: string, resolve: PackageResolver): SdkShape | undefined {
  const location = locateToken(token);
  const packageDir = location && resolve(location.packageName);
  if (!location || !packageDir) return undefined;
  const shape = cached(packageDir, `function:${token}`, () => {
    const wanted = `${upperFirst(location.member)}Result`;
    const result = declarationFile(location, packageDir)?.statements.find(
      (statement): statement is TS.InterfaceDeclaration =>
        ts().isInterfaceDeclaration(statement) && statement.name.text === wanted,
    );
    return result && { kind: "object", typeName: wanted, properties: membersToShapes(result.members, packageDir, 0) };
  });
  return shape && { shape, packageVersion: packageVersion(packageDir) };
}

/** The outputs of a resource class, e.g. `readonly arn: pulumi.Output<string>` of `aws:iam/role:Role`. */
export function resourceOutputShape(type: string, resolve: PackageResolver): SdkShape | undefined {
  const location = locateToken(type);
  const packageDir = location && resolve(location.packageName);
  if (!location || !packageDir) return undefined;
  const shape = cached(packageDir, `resource:${type}`, () => {
    const declaration = declarationFile(location, packageDir)?.statements.find(
      (statement): statement is TS.ClassDeclaration =>
        ts().isClassDeclaration(statement) && statement.name?.text === location.member,
    );
    return (
      declaration && {
        kind: "object",
        typeName: location.member,
        properties: membersToShapes(declaration.members, packageDir, 0),
      }
    );
  });
  return shape && { shape, packageVersion: packageVersion(packageDir) };
}

/** The installed version of the package that declares `token`, when it is installed. */
export function installedVersion(
  token: string,
  resolve: PackageResolver,
): { name: string; version: string } | undefined {
  const location = locateToken(token);
  const packageDir = location && resolve(location.packageName);
  return location && packageDir ? { name: location.packageName, version: packageVersion(packageDir) } : undefined;
}
