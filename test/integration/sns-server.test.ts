/** The local SNS speaks the wire protocol the real @aws-sdk/client-sns v3 expects. */
import { SNSClient, CreatePlatformEndpointCommand, GetEndpointAttributesCommand, SetEndpointAttributesCommand, DeleteEndpointCommand, PublishCommand } from '@aws-sdk/client-sns';
import { startSnsServer, type SnsServer } from '../../local/sns-server.js';
import { localClientConfig } from '../../local/client-config.js';

const APNS_APP = 'arn:aws:sns:us-east-1:000000000000:app/APNS/agent-chat';
const GCM_APP = 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat';

let server: SnsServer;
let sns: SNSClient;

beforeAll(async () => {
  server = await startSnsServer({ port: 0 });
  sns = new SNSClient({ ...localClientConfig(server.url), maxAttempts: 1 });
});
afterAll(async () => {
  sns.destroy();
  await server.close();
});

const create = (app: string, token: string, extra: Partial<{ CustomUserData: string; Attributes: Record<string, string> }> = {}) =>
  sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: token, ...extra })).then((r) => r.EndpointArn!);

test('CreatePlatformEndpoint is idempotent for the same token and refuses the same token with other attributes', async () => {
  const a = await create(APNS_APP, 'tok-idem');
  expect(a).toMatch(/^arn:aws:sns:us-east-1:000000000000:endpoint\/APNS\/agent-chat\/.+/);
  expect(await create(APNS_APP, 'tok-idem')).toBe(a);
  await expect(create(APNS_APP, 'tok-idem', { CustomUserData: 'someone else' })).rejects.toMatchObject({
    name: 'InvalidParameterException',
    message: expect.stringContaining('already exists with the same Token, but different attributes'),
  });
  expect(await create(GCM_APP, 'tok-idem')).not.toBe(a);
});

test('endpoint attributes round-trip as a map, and a deleted endpoint is NotFound', async () => {
  const arn = await create(GCM_APP, 'tok-attrs');
  expect((await sns.send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).Attributes).toEqual({ Enabled: 'true', Token: 'tok-attrs' });
  await sns.send(new SetEndpointAttributesCommand({ EndpointArn: arn, Attributes: { Enabled: 'false' } }));
  expect((await sns.send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).Attributes?.Enabled).toBe('false');
  await sns.send(new DeleteEndpointCommand({ EndpointArn: arn }));
  await sns.send(new DeleteEndpointCommand({ EndpointArn: arn })); // idempotent, as on SNS
  await expect(sns.send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).rejects.toMatchObject({
    name: 'NotFoundException',
    $metadata: expect.objectContaining({ httpStatusCode: 404 }),
  });
});

test('Publish with MessageStructure json records the platform member, parsed', async () => {
  const arn = await create(GCM_APP, 'tok-pub');
  const gcm = { fcmV1Message: { message: { notification: { title: 'Ann', body: 'héllo 😀 <&>' }, data: { conversationId: 'c1' } } } };
  const r = await sns.send(
    new PublishCommand({
      TargetArn: arn,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'héllo', APNS: JSON.stringify({ aps: {} }), GCM: JSON.stringify(gcm) }),
    }),
  );
  expect(r.MessageId).toBeTruthy();
  const last = server.pushes().at(-1)!;
  expect(last).toMatchObject({ endpointArn: arn, platform: 'GCM', token: 'tok-pub', payload: gcm });
  expect(Number.isNaN(Date.parse(last.at))).toBe(false);
});

test('a json message without a default entry is refused and not recorded', async () => {
  const arn = await create(APNS_APP, 'tok-nodefault');
  const before = server.pushes().length;
  await expect(sns.send(new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: JSON.stringify({ APNS: '{}' }) }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  expect(server.pushes()).toHaveLength(before);
});

test('a disabled endpoint fails Publish with EndpointDisabled until it is enabled again', async () => {
  const arn = await create(APNS_APP, 'tok-disabled');
  const msg = { TargetArn: arn, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', APNS: JSON.stringify({ aps: { alert: 'x' } }) }) };
  expect(server.disable('tok-disabled')).toBe(true);
  expect(server.disable('no-such-token')).toBe(false);
  const before = server.pushes().length;
  const err = await sns.send(new PublishCommand(msg)).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'EndpointDisabledException', Code: 'EndpointDisabled', $metadata: expect.objectContaining({ httpStatusCode: 400 }) });
  expect(server.pushes()).toHaveLength(before);
  expect(server.refused().at(-1)).toMatchObject({ endpointArn: arn, code: 'EndpointDisabled' });
  // Registering the same token again does not enable it (as on SNS); SetEndpointAttributes does.
  expect(await create(APNS_APP, 'tok-disabled')).toBe(arn);
  await expect(sns.send(new PublishCommand(msg))).rejects.toMatchObject({ name: 'EndpointDisabledException' });
  await sns.send(new SetEndpointAttributesCommand({ EndpointArn: arn, Attributes: { Enabled: 'true' } }));
  await sns.send(new PublishCommand(msg));
  expect(server.pushes()).toHaveLength(before + 1);
});

test('injected throttling fails the call, and the SDK retries it when allowed to', async () => {
  const arn = await create(APNS_APP, 'tok-throttle');
  const msg = { TargetArn: arn, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', APNS: '{"aps":{}}' }) };
  server.failNext('Throttling', 1, 'Publish');
  await expect(sns.send(new PublishCommand(msg))).rejects.toMatchObject({ name: 'Throttling', $fault: 'client' });
  const retrying = new SNSClient({ ...localClientConfig(server.url), maxAttempts: 3 });
  const before = server.pushes().length;
  server.failNext('InternalError', 2, 'Publish');
  await retrying.send(new PublishCommand(msg));
  expect(server.pushes()).toHaveLength(before + 1);
  retrying.destroy();
});

test('publishing to an endpoint that does not exist (or was deleted) is InvalidParameter "No endpoint found", as on SNS', async () => {
  const noSuch = { name: 'InvalidParameterException', message: 'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified' };
  await expect(sns.send(new PublishCommand({ TargetArn: `${APNS_APP.replace(':app/', ':endpoint/')}/nope`, MessageStructure: 'json', Message: '{"default":"x"}' }))).rejects.toMatchObject(noSuch);
  const arn = await create(APNS_APP, 'tok-deleted');
  expect(server.disable('tok-deleted', 'deleted')).toBe(true);
  const before = server.pushes().length;
  await expect(sns.send(new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: '{"default":"x","APNS":"{}"}' }))).rejects.toMatchObject({
    ...noSuch,
    $metadata: expect.objectContaining({ httpStatusCode: 400 }),
  });
  // Reading its attributes is NotFound ("Endpoint does not exist"), as on SNS.
  await expect(sns.send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).rejects.toMatchObject({ name: 'NotFoundException', message: 'Endpoint does not exist' });
  expect(server.pushes()).toHaveLength(before);
  expect(server.refused().at(-1)).toMatchObject({ endpointArn: arn, code: 'InvalidParameter' });
});

const apnsOf = (bytes: number) => JSON.stringify({ aps: { alert: { body: 'x'.repeat(bytes - '{"aps":{"alert":{"body":""}}}'.length) } } });

test.each([
  ['APNS', APNS_APP, 'Invalid parameter: Message Reason: Invalid notification for protocol APNS: Notification is too long'],
  ['GCM', GCM_APP, 'Invalid parameter: Message Reason: Invalid notification for protocol GCM: Notification data is larger than allowed limit'],
])('a %s payload of 4096 bytes is delivered, of 4097 refused with InvalidParameter and not recorded', async (platform, app, message) => {
  const arn = await create(app, `tok-size-${platform}`);
  const send = (member: string) => sns.send(new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', [platform]: member }) }));
  expect(Buffer.byteLength(apnsOf(4096))).toBe(4096);
  await send(apnsOf(4096));
  const before = server.pushes().length;
  await expect(send(apnsOf(4097))).rejects.toMatchObject({ name: 'InvalidParameterException', message });
  // Bytes, not characters: 1363 three-byte characters and 8 bytes of JSON around them are 4097 bytes.
  await expect(send(JSON.stringify({ t: '中'.repeat(1363) }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  expect(server.pushes()).toHaveLength(before);
});

test('an endpoint of a disabled platform application fails Publish with PlatformApplicationDisabled, every endpoint of that app', async () => {
  const SANDBOX_APP = 'arn:aws:sns:us-east-1:000000000000:app/APNS_SANDBOX/agent-chat';
  const a = await create(SANDBOX_APP, 'tok-app-a');
  const b = await create(SANDBOX_APP, 'tok-app-b');
  const other = await create(APNS_APP, 'tok-app-other');
  const msg = (arn: string) => new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', APNS_SANDBOX: '{}', APNS: '{}' }) });
  expect(server.disable('tok-app-a', 'application')).toBe(true);
  for (const arn of [a, b]) {
    await expect(sns.send(msg(arn))).rejects.toMatchObject({ name: 'PlatformApplicationDisabledException', $metadata: expect.objectContaining({ httpStatusCode: 400 }) });
  }
  await sns.send(msg(other)); // another application is unaffected
  expect(server.pushes().at(-1)?.endpointArn).toBe(other);
});

test("each recorded push carries the publish's message attributes, name → string value", async () => {
  const arn = await create(APNS_APP, 'tok-attributes');
  await sns.send(
    new PublishCommand({
      TargetArn: arn,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'x', APNS: '{"aps":{}}' }),
      MessageAttributes: {
        'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': { DataType: 'String', StringValue: 'conv_1' },
        'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' },
      },
    }),
  );
  expect(server.pushes().at(-1)).toMatchObject({
    endpointArn: arn,
    attributes: { 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': 'conv_1', 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'alert' },
  });
  await sns.send(new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', APNS: '{}' }) }));
  expect(server.pushes().at(-1)?.attributes).toEqual({});
});
