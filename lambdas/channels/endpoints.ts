/**
 * SNS platform endpoints for device registration and removal: find one that works for a token
 * (enable a disabled one, create a deleted one again) and delete one.
 */
import { CreatePlatformEndpointCommand, DeleteEndpointCommand, GetEndpointAttributesCommand, SetEndpointAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import { isEndpointMissing } from './sns-errors.js';

/** The endpoint's Enabled attribute, or undefined when SNS no longer knows the endpoint. */
async function endpointEnabled(sns: SNSClient, endpointArn: string): Promise<boolean | undefined> {
  try {
    const r = await sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }));
    return r.Attributes?.Enabled !== 'false';
  } catch (e) {
    if (isEndpointMissing(e)) return undefined;
    throw e;
  }
}

async function enable(sns: SNSClient, endpointArn: string, token: string) {
  await sns.send(new SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: { Enabled: 'true', Token: token } }));
}

/** CreatePlatformEndpoint is idempotent for the same token, but returns a disabled endpoint as it is. */
async function createEndpoint(sns: SNSClient, appArn: string, token: string): Promise<string> {
  const r = await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: appArn, Token: token }));
  const arn = r.EndpointArn;
  if (!arn) throw new Error('SNS returned no EndpointArn');
  if ((await endpointEnabled(sns, arn)) === false) await enable(sns, arn, token);
  return arn;
}

/**
 * An enabled endpoint for `token`: `known` (the token's endpoint as recorded) when SNS still has
 * it, enabled again if SNS disabled it (the app registering its token is the sign that it works
 * again); otherwise one created on the platform application.
 */
export async function usableEndpoint(sns: SNSClient, appArn: string, token: string, known: string | undefined): Promise<string> {
  if (known) {
    const enabled = await endpointEnabled(sns, known);
    if (enabled === true) return known;
    if (enabled === false) {
      await enable(sns, known, token);
      return known;
    }
  }
  return createEndpoint(sns, appArn, token);
}

/** DeleteEndpoint is idempotent on SNS: a missing endpoint is not an error. */
export async function deleteEndpoint(sns: SNSClient, endpointArn: string): Promise<void> {
  await sns.send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
}
