// Validates an Amazon States Language definition with asl-validator (Apache-2.0), the validator
// aws-local-stepfunctions itself uses: the spec's JSON schema, reachable and existing state names,
// terminal states, JSONPath and intrinsic-function syntax, and ARN syntax.

// The package ships no type declarations.
const aslValidator: (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: ValidatorError[] } = require("asl-validator");

interface ValidatorError {
  readonly "Error code"?: string;
  readonly Message?: string;
  readonly instancePath?: string;
  readonly message?: string;
}

/** Problems as readable lines; empty when the definition is valid. */
export function validateDefinition(definition: unknown): string[] {
  // The validator writes a default QueryLanguage into every state: give it a copy.
  const { isValid, errors } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  if (isValid) return [];
  return errors.map((e) =>
    e.Message !== undefined ? `${e["Error code"]}: ${e.Message}` : `${e.instancePath || "/"}: ${e.message}`,
  );
}
