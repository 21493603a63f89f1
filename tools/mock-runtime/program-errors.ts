/**
 * Turns a program's failure into a message that says what to fix. The common ways a program written elsewhere
 * fails here are an SDK of another major version (a property that became required, a resource type that was
 * renamed) and a package that is not installed; the SDK's own messages name neither the resource nor the version.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { programFrame } from "./call-sites";

export interface ProgramContext {
  projectDir: string;
  /** This checkout, whose packages a program without its own node_modules uses. */
  repoRoot: string;
}

interface SdkClass {
  packageName: string;
  version: string;
  className: string;
  type?: string;
}

/**
 * The SDK resource class in whose constructor the error was thrown (`at new ServicePrincipal (…)`). With source maps
 * on, the frame names the SDK's original `.ts` path, which drops the package directory
 * (`node_modules/@pulumi/servicePrincipal.ts` for `@pulumi/azuread/servicePrincipal.js`), so the installed
 * `@pulumi/*` packages are searched for the compiled file that declares the class.
 */
function sdkClassInStack(stack: string): SdkClass | undefined {
  const frame = /at new (\w+) \(([^()\n]*)[\\/]node_modules[\\/]@pulumi[\\/]([^:()\n]+)\.(?:js|ts):\d+:\d+\)/.exec(
    stack,
  );
  if (!frame) return undefined;
  const [, className, root, rest] = frame as unknown as [string, string, string, string];
  const scope = join(root, "node_modules", "@pulumi");
  const packages = existsSync(scope) ? readdirSync(scope) : [];
  const candidates = [join(scope, `${rest}.js`), ...packages.map((pkg) => join(scope, pkg, `${rest}.js`))];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    if (!text.includes(`class ${className} `)) continue;
    const packageDir = join(scope, relative(scope, file).split(sep)[0]!);
    const type = /__pulumiType = ['"]([^'"]+)['"]/.exec(text)?.[1];
    return {
      packageName: `@pulumi/${relative(scope, packageDir)}`,
      version: readVersion(packageDir),
      className,
      ...(type ? { type } : {}),
    };
  }
  return undefined;
}

function readVersion(packageDir: string): string {
  try {
    return (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** Which package the program imported under `alias` (`import * as aws from "@pulumi/aws"`). */
function importedPackage(file: string, alias: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const patterns = [
    new RegExp(`import\\s+\\*\\s+as\\s+${alias}\\s+from\\s+["']([^"']+)["']`),
    new RegExp(`import\\s+${alias}\\s+from\\s+["']([^"']+)["']`),
    new RegExp(`(?:const|let|var)\\s+${alias}\\s*=\\s*require\\(\\s*["']([^"']+)["']\\s*\\)`),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return match[1];
  }
  return undefined;
}

function installedVersion(packageName: string, ctx: ProgramContext): { version: string; from: string } | undefined {
  for (const from of [ctx.projectDir, ctx.repoRoot]) {
    try {
      const manifest = require.resolve(`${packageName}/package.json`, { paths: [from] });
      const own = !relative(ctx.projectDir, manifest).startsWith("..");
      return { version: readVersion(dirname(manifest)), from: own ? "the program's" : "this checkout's" };
    } catch {
      // not there
    }
  }
  return undefined;
}

/** The logical name in `new aws.iam.Role("deploy", …)` on the given line, when it is a literal. */
function resourceNameAt(file: string, line: number): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").split("\n")[line - 1] ?? "";
  return /new\s+[\w.$]+\(\s*["'`]([^"'`$]+)["'`]/.exec(text)?.[1];
}

const REINSTALL =
  "the program was probably written for another major version: install the version its package.json names (`npm install` in the program's directory; the gate then uses the program's own SDK), or update the program for the installed version";

export function explainProgramError(error: unknown, ctx: ProgramContext): string {
  if (!(error instanceof Error)) return String(error);
  const stack = error.stack ?? "";
  const shown = (file: string) => relative(ctx.projectDir, file) || file;
  const site = programFrame(stack);
  const at = site ? `${shown(site.file)}:${site.line}:${site.column}` : undefined;

  const missingModule = /Cannot find module '((?:@[^/']+\/)?[^./'][^']*)'/.exec(error.message);
  if (missingModule && (error as { code?: string }).code === "MODULE_NOT_FOUND") {
    const name = missingModule[1]!
      .split("/")
      .slice(0, missingModule[1]!.startsWith("@") ? 2 : 1)
      .join("/");
    return [
      `the program imports ${name}${at ? ` (${at})` : ""}, which is installed neither in ${join(ctx.projectDir, "node_modules")} nor in this checkout.`,
      `Run \`npm install\` in ${ctx.projectDir} (the gate then uses the program's own packages), or copy the program into this checkout (for example under ${join(ctx.repoRoot, ".local", "programs")}) and install ${name} here with \`npm install --save-exact ${name}\`.`,
    ].join(" ");
  }

  const missingProperty = /Missing required property '([^']+)'/.exec(error.message);
  const sdkClass = sdkClassInStack(stack);
  if (missingProperty && sdkClass) {
    const name = site ? resourceNameAt(site.file, site.line) : undefined;
    const what = `${sdkClass.type ?? sdkClass.className}${name ? ` "${name}"` : ""}`;
    return `${what}${at ? ` (${at})` : ""}: missing required property '${missingProperty[1]}' in the installed ${sdkClass.packageName} ${sdkClass.version}; ${REINSTALL}.`;
  }

  // `new aws.s3.BucketV2(...)` against an SDK without BucketV2; `aws.ec2.getVpcs(...)` without getVpcs.
  const missingMember =
    /^((\w+)(?:\.\w+)+) is not (?:a constructor|a function)$/.exec(error.message) ??
    /^Cannot read properties of undefined \(reading '(\w+)'\)$/.exec(error.message);
  if (missingMember && site) {
    const expression = missingMember[1]!;
    const alias = missingMember[2] ?? expression;
    const packageName = importedPackage(site.file, alias);
    if (packageName?.startsWith("@pulumi/")) {
      const installed = installedVersion(packageName, ctx);
      const version = installed ? `${installed.from} ${packageName} ${installed.version}` : packageName;
      return `${at}: ${expression} does not exist in ${version} (${error.message}); ${REINSTALL}.`;
    }
  }
  return at && !error.message.includes(at) ? `${error.message} (${at})` : error.message;
}
