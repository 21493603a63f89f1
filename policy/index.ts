/**
 * The zero-secrets CrossGuard pack. This file only assembles the pack; each rule family lives in
 * rules/<family>.ts and the secret detector in detect/.
 */
import { PolicyPack } from "@pulumi/policy";
import { appRegistrationCertificates, noMintedCredentials } from "./rules/minted-credentials";

new PolicyPack("zero-secrets", {
    enforcementLevel: "mandatory",
    policies: [
        noMintedCredentials,
        appRegistrationCertificates,
    ],
});
