/**
 * The deploy role's role-management statements as they stood before ADR 0002 (components/github-roles.ts at
 * 99ab9ea), kept so that the self-escalation rule is shown to fail them: `StackRoles` allowed rewriting any role named
 * `<prefix>-*`, the deploy role itself included, with no `iam:PermissionsBoundary` condition.
 */
export function legacyStackRolesStatements(account: string, prefix: string): unknown[] {
  return [
    {
      Sid: "StackRoles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:PutRolePermissionsBoundary",
      ],
      Resource: `arn:aws:iam::${account}:role/${prefix}-*`,
    },
    {
      Sid: "PassStackRolesToTheirServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: `arn:aws:iam::${account}:role/${prefix}-*`,
      Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "scheduler.amazonaws.com"] } },
    },
  ];
}
