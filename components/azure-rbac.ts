/**
 * Azure RBAC facts the stack relies on: the built-in roles it assigns (with their documented permissions) and the
 * ABAC condition that lets the CI deploy identity manage role assignments without being able to escalate.
 *
 * Sources: "Azure built-in roles" (learn.microsoft.com/azure/role-based-access-control/built-in-roles) for the role
 * definitions; "Examples to delegate Azure role assignment management with conditions"
 * (learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples) and "Azure role assignment
 * condition format and syntax" for the condition: write is judged on the request's attributes (`@Request`), delete
 * on the existing assignment's (`@Resource`), which is why the condition has one clause per action.
 */

/** A built-in role definition: its GUID (the same in every tenant) and its control-plane permissions. */
export interface BuiltInRole {
  readonly id: string;
  readonly name: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
}

/** The built-in roles this stack assigns or reasons about, as Microsoft documents them. */
export const AZURE_ROLES = {
  Reader: { id: "acdd72a7-3385-48ef-bd42-f606fba81ae7", name: "Reader", actions: ["*/read"], notActions: [] },
  Contributor: {
    id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    name: "Contributor",
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
      "Microsoft.Blueprint/blueprintAssignments/write",
      "Microsoft.Blueprint/blueprintAssignments/delete",
      "Microsoft.Compute/galleries/share/action",
      "Microsoft.Purview/consents/write",
      "Microsoft.Purview/consents/delete",
      "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
      "Microsoft.Subscription/cancel/action",
      "Microsoft.Subscription/enable/action",
    ],
  },
  RoleBasedAccessControlAdministrator: {
    id: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    name: "Role Based Access Control Administrator",
    actions: [
      "Microsoft.Authorization/roleAssignments/write",
      "Microsoft.Authorization/roleAssignments/delete",
      "*/read",
      "Microsoft.Support/*",
    ],
    notActions: [],
  },
} as const satisfies Record<string, BuiltInRole>;

/** The full role definition ID Azure expects in a role assignment. */
export function roleDefinitionResourceId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/**
 * The ABAC condition (version 2.0) that limits a Role Based Access Control Administrator assignment: it may create
 * and delete assignments of exactly these roles to exactly these principals, nothing else. Role and principal IDs
 * are GUIDs; the lists must not be empty (an empty list would be refused by Azure and would mean nothing).
 */
export function constrainedRoleAssignmentCondition(
  roleIds: readonly string[],
  principalIds: readonly string[],
): string {
  if (roleIds.length === 0 || principalIds.length === 0) {
    throw new Error("a role-assignment condition needs at least one role and one principal");
  }
  const clause = (action: "write" | "delete", source: "Request" | "Resource") =>
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})) OR ` +
    `(@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${roleIds.join(", ")}} AND ` +
    `@${source}[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {${principalIds.join(", ")}}))`;
  return `${clause("write", "Request")} AND ${clause("delete", "Resource")}`;
}

/** ABAC condition version Azure accepts for role-assignment conditions. */
export const CONDITION_VERSION = "2.0";

/**
 * Whether a role's actions cover an operation: Azure matches action strings case-insensitively, `*` standing for any
 * run of characters, and `notActions` subtract ("Understand Azure role definitions", Actions and NotActions).
 */
export function roleAllows(role: Pick<BuiltInRole, "actions" | "notActions">, operation: string): boolean {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(operation);
  return role.actions.some(matches) && !role.notActions.some(matches);
}

const CLAUSE =
  /^\(\(!\(ActionMatches\{'Microsoft\.Authorization\/roleAssignments\/(write|delete)'\}\)\) OR \(@(Request|Resource)\[Microsoft\.Authorization\/roleAssignments:RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{([^}]*)\} AND @(?:Request|Resource)\[Microsoft\.Authorization\/roleAssignments:PrincipalId\] ForAnyOfAnyValues:GuidEquals \{([^}]*)\}\)\)$/;

/**
 * Reads back a condition in the form `constrainedRoleAssignmentCondition` writes (the documented "constrain roles
 * and principals" pattern): the roles and principals each of write and delete is limited to. Returns undefined for
 * any other text, which callers must then treat as unknown rather than as a restriction.
 */
export function readRoleAssignmentCondition(
  condition: string,
): Record<"write" | "delete", { roleIds: string[]; principalIds: string[] }> | undefined {
  const clauses = condition.split(/\) AND \(\(!/).map((part, i, all) => {
    const head = i === 0 ? part : `((!${part}`;
    return i < all.length - 1 ? `${head})` : head;
  });
  const found: Partial<Record<"write" | "delete", { roleIds: string[]; principalIds: string[] }>> = {};
  for (const clause of clauses) {
    const m = CLAUSE.exec(clause);
    if (!m) return undefined;
    const [, action, source, roles, principals] = m;
    // Writes are judged on the request, deletes on the existing assignment.
    if ((action === "write") !== (source === "Request")) return undefined;
    const list = (text: string) =>
      text
        .split(",")
        .map((g) => g.trim().toLowerCase())
        .filter(Boolean);
    found[action as "write" | "delete"] = { roleIds: list(roles!), principalIds: list(principals!) };
  }
  return found.write && found.delete ? { write: found.write, delete: found.delete } : undefined;
}
