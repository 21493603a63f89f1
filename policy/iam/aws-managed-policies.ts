/**
 * The documents of the AWS managed policies that grant IAM writes, so that a role which gets them by ARN is judged
 * like one that holds them inline. Copied from the AWS Managed Policy Reference
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html, v1, and
 * .../IAMFullAccess.html, v2 of 21 June 2019). Any other managed policy is one the pack cannot read from a plan: a
 * customer-managed policy is judged where its document is (an `aws:iam/policy:Policy` may also be a permissions
 * boundary, which grants nothing, so it is not judged on its own).
 */
const MANAGED: Readonly<Record<string, object>> = {
  AdministratorAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
  IAMFullAccess: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "iam:*",
          "organizations:DescribeAccount",
          "organizations:DescribeOrganization",
          "organizations:DescribeOrganizationalUnit",
          "organizations:DescribePolicy",
          "organizations:ListChildren",
          "organizations:ListParents",
          "organizations:ListPoliciesForTarget",
          "organizations:ListRoots",
          "organizations:ListPolicies",
          "organizations:ListTargetsForPolicy",
        ],
        Resource: "*",
      },
    ],
  },
};

/** The document of an AWS managed policy the pack knows (`arn:<partition>:iam::aws:policy/<name>`), if any. */
export function awsManagedPolicyDocument(arn: unknown): object | undefined {
  if (typeof arn !== "string") return undefined;
  const name = /^arn:aws[a-z-]*:iam::aws:policy\/([\w+=,.@-]+)$/.exec(arn)?.[1];
  return name === undefined ? undefined : MANAGED[name];
}
