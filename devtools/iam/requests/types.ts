// One authorisation IAM makes for an API call. A call can need several: BatchGetItem is authorised once per table
// it reads, a copy needs s3:GetObject on the source and s3:PutObject on the target.
import type { RequestContext } from "../../../policy/iam";

export interface Authorisation {
  /** `service:Action` as IAM names it (the Service Authorization Reference). */
  readonly action: string;
  /** The resource ARN IAM checks, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Service-specific condition keys the call carries (global keys are added by the enforcer). */
  readonly context: RequestContext;
}

/** Where the enforcer is: the account and region its ARNs name. */
export interface ServiceScope {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

/** A request the enforcement layer cannot map to IAM actions: refused, never let through unchecked. */
export class UnmappedRequest extends Error {
  constructor(what: string) {
    super(`the IAM enforcement layer does not know which IAM action ${what} needs; add it to devtools/iam/requests`);
    this.name = "UnmappedRequest";
  }
}
