/**
 * What an SNS error means for a device endpoint. SNS's wire codes (`EndpointDisabled`,
 * `NotFound`…) reach SDK v3 as classes named with or without an `Exception` suffix: both match.
 * No AWS imports here: the stack's alarm reads PUSH_REFUSED_FOR_GOOD from this module.
 */
import { errorName } from './report.js';

/**
 * The fan-out's log message for a push refused for a reason retrying cannot cure. Stable: the
 * stack's metric filter on the fan-out's log group counts it for an alarm (lib/constructs/alarms.ts).
 */
export const PUSH_REFUSED_FOR_GOOD = 'push refused for good';

const named = (e: unknown, codes: string) => new RegExp(`^(${codes})(Exception)?$`).test(errorName(e));

/** The platform (APNs/FCM) rejected the token: the endpoint stays disabled until re-enabled. */
export function isEndpointDisabled(e: unknown): boolean {
  return named(e, 'EndpointDisabled');
}

/**
 * The endpoint no longer exists (deleted outside this app): as good as disabled. Get/Set
 * EndpointAttributes answer `NotFound`; Publish answers `InvalidParameter` "Invalid parameter:
 * TargetArn Reason: No endpoint found for the target arn specified" (the answer LocalStack's
 * AWS-validated SNS gives, localstack/localstack localstack-core/localstack/services/sns/v2/provider.py).
 */
export function isEndpointMissing(e: unknown): boolean {
  if (named(e, 'NotFound|ResourceNotFound')) return true;
  return named(e, 'InvalidParameter') && /No endpoint found for the target arn/i.test((e as Error | undefined)?.message ?? '');
}

/**
 * A publish SNS will refuse however often it is sent: an invalid parameter (a payload too long, a
 * malformed message), a disabled platform application (an expired APNs certificate, a revoked FCM
 * key) or a missing permission. Retrying cannot help until someone fixes it, so it is recorded,
 * not retried. Throttling and 5xx are none of these.
 */
export function isPermanent(e: unknown): boolean {
  return named(e, 'InvalidParameter|InvalidParameterValue|PlatformApplicationDisabled|AuthorizationError');
}
