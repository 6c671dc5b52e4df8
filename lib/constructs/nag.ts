/**
 * cdk-nag acknowledgements. cdk-nag 3 matches an acknowledgement only by its exact finding id, so
 * wildcard findings are named from the very resource strings the policy holds: the id is computed
 * with cdk-nag's own flattening of the resolved token, and cannot drift from the policy.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });
}

/** The IAM5 finding id cdk-nag reports for one policy resource (undefined when it has no `*`). */
export function wildcardFinding(scope: IConstruct, resource: unknown): string | undefined {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
  return flat.includes('*') ? `IAM5[Resource::${flat}]` : undefined;
}

/** Acknowledge the IAM5 findings of exactly these resources on `scope` (a role or its policy). */
export function acknowledgeWildcards(scope: IConstruct, resources: readonly string[], reason: string): void {
  for (const r of resources) {
    const finding = wildcardFinding(scope, r);
    if (finding) acknowledge(scope, finding, reason);
  }
}
