/**
 * One way to word a violation: which resource, which property, what to do instead. Never the value.
 */
export function violationMessage(name: string, type: string, what: string, fix: string, path?: string): string {
  const where = path ? ` at ${path}` : "";
  return `${type} "${name}"${where}: ${what}. Fix: ${fix}.`;
}
