// STS calls (query protocol) mapped to IAM authorisations, per "Actions, resources, and condition keys for AWS
// Security Token Service": GetWebIdentityToken has no resource-level permission (`*`) and carries
// `sts:IdentityTokenAudience` (every audience requested: a multivalued key), `sts:SigningAlgorithm` and
// `sts:DurationSeconds`; GetCallerIdentity needs no permission at all ("No permissions are required to perform
// this operation", GetCallerIdentity API reference).
import type { RequestContext } from "../../../policy/iam";
import { memberList } from "../../sts/query-protocol";
import { type Authorisation, UnmappedRequest } from "./types";

export function stsAuthorisations(form: URLSearchParams): Authorisation[] {
  const operation = form.get("Action");
  if (operation === null) throw new UnmappedRequest("an STS request without Action");
  if (operation === "GetCallerIdentity") return [];
  const context: Record<string, string | string[]> = {};
  if (operation === "GetWebIdentityToken") {
    const audiences = memberList(form, "Audience");
    if (audiences.length > 0) context["sts:IdentityTokenAudience"] = audiences;
    const algorithm = form.get("SigningAlgorithm");
    if (algorithm !== null) context["sts:SigningAlgorithm"] = algorithm;
    const duration = form.get("DurationSeconds");
    if (duration !== null) context["sts:DurationSeconds"] = duration;
  }
  return [{ action: `sts:${operation}`, resource: "*", context: context as RequestContext }];
}
