/**
 * Resource sets for the engine-faithful tests: secrets planted one per rule family, and the
 * zero-secrets reference resources the project itself deploys. Built at run time (fixtures.ts).
 */
import { GateResource, secretValue } from "../../tools/policy-gate";
import { snapshot, toGateResource } from "../../tools/resource-snapshot";
import { fake, urnOf } from "./fixtures";

/** A resource as the engine would send it to Analyze, built through the tools' one snapshot type. */
export function gateResource(type: string, name: string, inputs: Record<string, unknown>): GateResource {
  return toGateResource(snapshot({ urn: urnOf(type, name), type, name, inputs }));
}

const GH = "token.actions.githubusercontent.com";
const ENTRA_AUDIENCE = "api://AzureADTokenExchange";

export function githubTrust(account: string, condition: Record<string, unknown>): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GH}` },
        Condition: condition,
      },
    ],
  });
}

/** One planted secret or over-broad trust per entry; every one must produce a mandatory diagnostic. */
export function plantedResources(): GateResource[] {
  const account = fake.accountId();
  return [
    gateResource("aws:iam/accessKey:AccessKey", "ci-user-key", { user: "ci" }),
    gateResource("azuread:index/applicationPassword:ApplicationPassword", "app-secret", {
      applicationId: "/applications/x",
    }),
    gateResource("azuread:index/application:Application", "app-inline", {
      displayName: "app",
      password: { displayName: "ci" },
    }),
    gateResource("github:index/actionsSecret:ActionsSecret", "aws-key-secret", {
      repository: "app",
      secretName: "AWS_SECRET_ACCESS_KEY",
      plaintextValue: secretValue(fake.awsSecretAccessKey()),
    }),
    gateResource("github:index/actionsVariable:ActionsVariable", "entra-in-variable", {
      repository: "app",
      variableName: "LOGIN_SETTING",
      value: fake.entraClientSecret(),
    }),
    gateResource("aws:ecs/taskDefinition:TaskDefinition", "keys-in-task", {
      family: "w",
      containerDefinitions: JSON.stringify([
        {
          name: "w",
          image: "w:1",
          environment: [
            { name: "AWS_ACCESS_KEY_ID", value: fake.awsAccessKeyId() },
            { name: "AWS_SECRET_ACCESS_KEY", value: fake.awsSecretAccessKey() },
          ],
        },
      ]),
    }),
    gateResource("aws:lambda/function:Function", "secret-in-lambda", {
      environment: { variables: { ARM_CLIENT_SECRET: secretValue(fake.entraClientSecret()) } },
    }),
    gateResource("aws:ssm/parameter:Parameter", "entra-in-ssm", {
      name: "/prod/azure-client-secret",
      type: "SecureString",
      value: secretValue("opaque"),
    }),
    gateResource("vendor:index/thing:Thing", "token-in-description", {
      description: secretValue(`token ${fake.githubToken()}`),
    }),
    gateResource("aws:iam/role:Role", "any-repo-role", {
      assumeRolePolicy: githubTrust(account, { StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com" } }),
    }),
    gateResource("aws:iam/role:Role", "forall-role", {
      assumeRolePolicy: githubTrust(account, {
        StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com" },
        "ForAllValues:StringLike": { [`${GH}:sub`]: "repo:octo/app:*" },
      }),
    }),
    gateResource("azure-native:managedidentity:FederatedIdentityCredential", "wrong-audience", {
      issuer: `https://${GH}`,
      subject: "repo:octo/app:environment:prod",
      audiences: ["api://other"],
    }),
    gateResource(
      "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
      "broad-expression",
      {
        issuer: `https://${GH}`,
        audience: ENTRA_AUDIENCE,
        claimsMatchingExpression: "claims['sub'] matches 'repo:octo/*'",
      },
    ),
  ];
}

/** What a zero-secrets stack is made of: none of these may produce any diagnostic. */
export function referenceResources(): GateResource[] {
  const account = fake.accountId();
  const sub = "repo:octo/app:environment:prod";
  return [
    gateResource("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github", {
      url: `https://${GH}`,
      clientIdLists: ["sts.amazonaws.com"],
    }),
    gateResource("aws:iam/role:Role", "deploy", {
      assumeRolePolicy: githubTrust(account, {
        StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com", [`${GH}:sub`]: sub },
      }),
    }),
    gateResource("aws:iam/role:Role", "worker-task", {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" } }],
      }),
    }),
    gateResource("azure-native:managedidentity:UserAssignedIdentity", "sync-identity", {
      resourceGroupName: "rg",
      location: "australiaeast",
    }),
    gateResource("azure-native:managedidentity:FederatedIdentityCredential", "github-prod", {
      issuer: `https://${GH}`,
      subject: sub,
      audiences: [ENTRA_AUDIENCE],
    }),
    gateResource("azure-native:managedidentity:FederatedIdentityCredential", "worker-from-aws", {
      issuer: "https://0d9e6c58-6a7e-4c4e-9a1b-7f2a3c4d5e6f.tokens.sts.global.api.aws",
      subject: `arn:aws:iam::${account}:role/worker-task`,
      audiences: [ENTRA_AUDIENCE],
    }),
    gateResource("github:index/actionsVariable:ActionsVariable", "azure-client-id", {
      repository: "app",
      variableName: "AZURE_CLIENT_ID",
      value: fake.guid(),
    }),
    gateResource("github:index/actionsVariable:ActionsVariable", "aws-role-arn", {
      repository: "app",
      variableName: "AWS_ROLE_ARN",
      value: `arn:aws:iam::${account}:role/deploy`,
    }),
    gateResource("aws:ecs/taskDefinition:TaskDefinition", "worker", {
      family: "worker",
      taskRoleArn: `arn:aws:iam::${account}:role/worker-task`,
      containerDefinitions: JSON.stringify([
        {
          name: "worker",
          image: `${account}.dkr.ecr.ap-southeast-2.amazonaws.com/worker@sha256:${"ab".repeat(32)}`,
          environment: [
            { name: "AZURE_CLIENT_ID", value: fake.guid() },
            { name: "AZURE_TENANT_ID", value: fake.guid() },
            { name: "AWS_REGION", value: "ap-southeast-2" },
          ],
        },
      ]),
    }),
  ];
}
