/**
 * What an SNS error means for a device endpoint. SNS's wire codes (`EndpointDisabled`,
 * `NotFound`…) reach SDK v3 as classes named with or without an `Exception` suffix: both match.
 */
import { errorName } from './report.js';

/** The platform (APNs/FCM) rejected the token: the endpoint stays disabled until re-enabled. */
export function isEndpointDisabled(e: unknown): boolean {
  return /^EndpointDisabled(Exception)?$/.test(errorName(e));
}

/** The endpoint no longer exists (deleted outside this app): as good as disabled. */
export function isEndpointMissing(e: unknown): boolean {
  return /^(NotFound|ResourceNotFound)(Exception)?$/.test(errorName(e));
}

/** A request SNS will refuse however often it is sent (e.g. an invalid parameter): retrying cannot help. */
export function isPermanent(e: unknown): boolean {
  return /^InvalidParameter(Value)?(Exception)?$/.test(errorName(e));
}
