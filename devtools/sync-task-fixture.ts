// The SyncTask arguments the component tests and the local Step Functions world build from: two Graph site ids,
// the mock environment's account and region, and a private network. Public identifiers only.
import type { SyncTaskArgs } from "../components/sync-task";
import { MOCK_ENV } from "./component-harness";

export const SITE_A =
  "contoso.sharepoint.com,2c7d3e4f-5a6b-4c8d-9e0f-1a2b3c4d5e6f,8f9e0d1c-2b3a-4c5d-8e7f-6a5b4c3d2e1f";
export const SITE_B =
  "contoso.sharepoint.com,3d8e4f5a-6b7c-4d9e-8f0a-2b3c4d5e6f70,9a0b1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d";
/** The sync identity's client id (an Entra application id is public). */
export const SYNC_CLIENT_ID = "5a510fbb-ca29-40bd-90a0-f4c2cbb126b1";
/** Private subnets and a security group, as the stack files name them. */
export const SYNC_NETWORK = {
  subnetIds: ["subnet-0a1b2c3d4e5f60718"],
  securityGroupIds: ["sg-0123456789abcdef0"],
} as const;

export const SYNC_TASK_ARGS: SyncTaskArgs = {
  siteIds: [SITE_A, SITE_B],
  accountId: MOCK_ENV.accountId,
  azureTenantId: MOCK_ENV.tenantId,
  azureClientId: SYNC_CLIENT_ID,
  region: MOCK_ENV.region,
  imageTag: "0.1.0",
  subnetIds: [...SYNC_NETWORK.subnetIds],
  securityGroupIds: [...SYNC_NETWORK.securityGroupIds],
};
