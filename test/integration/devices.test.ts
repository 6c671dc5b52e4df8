/** POST/DELETE /v1/me/devices against DynamoDB Local and the local SNS, with real agent tokens. */
import { createHash } from 'node:crypto';
import { SNSClient, GetEndpointAttributesCommand, DeleteEndpointCommand } from '@aws-sdk/client-sns';
import { createTestTable, type TestTable } from '../support/table.js';
import { startTestIssuer, type TestIssuer } from '../support/auth.js';
import { call, httpEvent } from '../support/events.js';
import { startSnsServer, type SnsServer } from '../../local/sns-server.js';
import { getDevice, getTokenOwner, listDevices } from '../../lambdas/store/devices.js';
import { getAgent } from '../../lambdas/store/agents.js';
import { newId } from '../../lambdas/domain/ids.js';
import { localClientConfig } from '../../local/client-config.js';

let t: TestTable;
let sns: SnsServer;
let snsApi: SNSClient;
let issuer: TestIssuer;
let register: unknown;
let remove: unknown;

beforeAll(async () => {
  t = await createTestTable('devices');
  sns = await startSnsServer({ port: 0 });
  issuer = await startTestIssuer();
  process.env.SNS_ENDPOINT = sns.url;
  process.env.PLATFORM_APP_ARN_APNS = 'arn:aws:sns:us-east-1:000000000000:app/APNS/agent-chat';
  process.env.PLATFORM_APP_ARN_GCM = 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat';
  delete process.env.PLATFORM_APP_ARN_APNS_SANDBOX; // this deployment has no sandbox app
  ({ handler: register } = await import('../../lambdas/handlers/http/register-device.js'));
  ({ handler: remove } = await import('../../lambdas/handlers/http/delete-device.js'));
  snsApi = new SNSClient(localClientConfig(sns.url));
});

afterAll(async () => {
  snsApi?.destroy();
  await Promise.all([sns?.close(), issuer?.close()]);
});

/** APNs tokens are hex (lambdas/domain/device-token.ts): a readable name, as 64 hex digits. */
const apns = (name: string) => createHash('sha256').update(name).digest('hex');

const me = () => ({ workspaceId: newId('ws'), agentId: newId('ag') });
const tokenFor = (a: { workspaceId: string; agentId: string }) => issuer.sign({ ...a, email: 'a@example.test', name: 'A' });

async function post(a: { workspaceId: string; agentId: string }, body: unknown, jwt?: string) {
  return call(register, httpEvent({ method: 'POST', path: '/v1/me/devices', token: jwt ?? (await tokenFor(a)), body }));
}

async function del(a: { workspaceId: string; agentId: string }, deviceId: string) {
  return call(remove, httpEvent({ method: 'DELETE', path: `/v1/me/devices/${deviceId}`, params: { deviceId }, token: await tokenFor(a) }));
}

const attributes = (arn: string) => snsApi.send(new GetEndpointAttributesCommand({ EndpointArn: arn })).then((r) => r.Attributes);

test('registering creates a platform endpoint on the platform application and stores the device', async () => {
  const a = me();
  const r = await post(a, { platform: 'GCM', token: 'fcm-token-1' });
  expect(r.status).toBe(201);
  expect(r.body).toEqual({ deviceId: expect.stringMatching(/^dev_/), endpointArn: expect.stringMatching(/:endpoint\/GCM\/agent-chat\//) });
  expect(await attributes(r.body.endpointArn)).toMatchObject({ Enabled: 'true', Token: 'fcm-token-1' });
  expect(await getDevice(t.doc, t.tableName, a, r.body.deviceId)).toMatchObject({ platform: 'GCM', enabled: true, endpointArn: r.body.endpointArn });
  // The agent now exists (with default settings), so the fan-out can find them.
  expect(await getAgent(t.doc, t.tableName, a.workspaceId, a.agentId)).toBeDefined();
});

test('the same token again answers 200 with the same ids and creates nothing new', async () => {
  const a = me();
  const first = await post(a, { platform: 'APNS', token: apns('apns-same') });
  const second = await post(a, { platform: 'APNS', token: apns('apns-same') });
  expect(first.status).toBe(201);
  expect(second).toEqual({ status: 200, body: first.body });
  expect(await listDevices(t.doc, t.tableName, a)).toHaveLength(1);
});

test('re-registering a token whose endpoint SNS disabled enables it again', async () => {
  const a = me();
  const first = await post(a, { platform: 'APNS', token: apns('apns-disabled') });
  sns.disable(apns('apns-disabled'));
  expect((await attributes(first.body.endpointArn))?.Enabled).toBe('false');
  const again = await post(a, { platform: 'APNS', token: apns('apns-disabled') });
  expect(again).toEqual({ status: 200, body: first.body });
  expect((await attributes(first.body.endpointArn))?.Enabled).toBe('true');
});

test('an endpoint deleted behind our back is created again on re-registration', async () => {
  const a = me();
  const first = await post(a, { platform: 'GCM', token: 'fcm-recreate' });
  await snsApi.send(new DeleteEndpointCommand({ EndpointArn: first.body.endpointArn }));
  const again = await post(a, { platform: 'GCM', token: 'fcm-recreate' });
  expect(again.status).toBe(200);
  expect(again.body.deviceId).toBe(first.body.deviceId);
  expect(await attributes(again.body.endpointArn)).toMatchObject({ Enabled: 'true', Token: 'fcm-recreate' });
  expect((await getDevice(t.doc, t.tableName, a, first.body.deviceId))?.endpointArn).toBe(again.body.endpointArn);
});

test('a platform without a configured application is a 400 naming it, and nothing is stored', async () => {
  const a = me();
  const r = await post(a, { platform: 'APNS_SANDBOX', token: 'sandbox-token' });
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('validation_error');
  expect(r.body.error.message).toContain('APNS_SANDBOX');
  expect(await listDevices(t.doc, t.tableName, a)).toEqual([]);
});

test.each([
  ['an unknown platform', { platform: 'WNS', token: 'x' }],
  ['an empty token', { platform: 'APNS', token: '' }],
  ['a token with whitespace', { platform: 'APNS', token: 'abc def' }],
  ['a token over 4096 characters', { platform: 'APNS', token: 'x'.repeat(4097) }],
  ['an unknown field', { platform: 'APNS', token: apns('abc'), extra: 1 }],
  ['a missing token', { platform: 'APNS' }],
  // Per platform (domain/device-token.ts): APNs tokens are 64 hex digits, FCM tokens longer URL-safe text.
  ['an APNS token that is not hex', { platform: 'APNS', token: 'abc' }],
  ['an APNS token of 63 hex digits', { platform: 'APNS', token: apns('short').slice(1) }],
  ['an APNS token with a non-hex letter', { platform: 'APNS', token: `${apns('g').slice(1)}g` }],
  ['a GCM token of 3 characters', { platform: 'GCM', token: 'abc' }],
  ['a GCM token with a slash', { platform: 'GCM', token: 'fcm/token/with/slashes' }],
])('%s is a 400', async (_name, body) => {
  const a = me();
  const r = await post(a, body);
  expect(r.status).toBe(400);
  expect(await listDevices(t.doc, t.tableName, a)).toEqual([]);
});

test('a 4096-character token is accepted', async () => {
  expect((await post(me(), { platform: 'GCM', token: 'y'.repeat(4096) })).status).toBe(201);
});

test('without a valid agent token nothing is registered', async () => {
  const a = me();
  const r = await post(a, { platform: 'APNS', token: apns('no-auth') }, 'not-a-jwt');
  expect(r.status).toBe(401);
  expect(r.body.error.code).toBe('unauthorized');
  expect(await listDevices(t.doc, t.tableName, a)).toEqual([]);
});

test('DELETE removes the endpoint and the device; a second DELETE is a 404', async () => {
  const a = me();
  const { body } = await post(a, { platform: 'APNS', token: apns('apns-delete') });
  expect(await del(a, body.deviceId)).toEqual({ status: 204, body: undefined });
  await expect(attributes(body.endpointArn)).rejects.toMatchObject({ name: 'NotFoundException' });
  expect(await getDevice(t.doc, t.tableName, a, body.deviceId)).toBeUndefined();
  expect((await del(a, body.deviceId)).status).toBe(404);
});

test("an agent cannot delete another agent's device, nor a malformed id", async () => {
  const a = me();
  const b = { workspaceId: a.workspaceId, agentId: newId('ag') };
  const { body } = await post(a, { platform: 'GCM', token: 'fcm-owned' });
  expect((await del(b, body.deviceId)).status).toBe(404);
  expect(await getDevice(t.doc, t.tableName, a, body.deviceId)).toBeDefined();
  expect((await attributes(body.endpointArn))?.Enabled).toBe('true');
  expect((await del(a, 'bad#id')).status).toBe(404);
});

describe('one token, one owner (SPEC §8)', () => {
  test('a token registered by an agent of another workspace moves: the earlier device is removed, the endpoint kept', async () => {
    const a = me();
    const b = me(); // another workspace
    const first = await post(a, { platform: 'APNS', token: apns('apns-moving') });
    const second = await post(b, { platform: 'APNS', token: apns('apns-moving') });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body); // same device id (platform and token), same endpoint
    expect(await listDevices(t.doc, t.tableName, a)).toEqual([]);
    expect(await listDevices(t.doc, t.tableName, b)).toHaveLength(1);
    expect(await getTokenOwner(t.doc, t.tableName, 'APNS', apns('apns-moving'))).toMatchObject({ ...b, endpointArn: first.body.endpointArn });
    expect((await attributes(first.body.endpointArn))?.Enabled).toBe('true');
    // The earlier holder no longer has the device, so its delete cannot touch the endpoint.
    expect((await del(a, first.body.deviceId)).status).toBe(404);
    expect((await attributes(first.body.endpointArn))?.Enabled).toBe('true');
    // And back: the token follows whoever registered it last.
    expect((await post(a, { platform: 'APNS', token: apns('apns-moving') })).status).toBe(201);
    expect(await listDevices(t.doc, t.tableName, b)).toEqual([]);
    expect(await del(a, first.body.deviceId)).toEqual({ status: 204, body: undefined });
    await expect(attributes(first.body.endpointArn)).rejects.toMatchObject({ name: 'NotFoundException' });
    expect(await getTokenOwner(t.doc, t.tableName, 'APNS', apns('apns-moving'))).toBeUndefined();
  });

  test('two agents registering one token at the same time: exactly one holds it afterwards', async () => {
    const agents = Array.from({ length: 4 }, me);
    const token = `fcm-race-${newId('t')}`;
    const replies = await Promise.all(agents.map((a) => post(a, { platform: 'GCM', token })));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const holders = [];
    for (const a of agents) holders.push((await listDevices(t.doc, t.tableName, a)).length);
    expect(holders.reduce((x, y) => x + y, 0)).toBe(1);
    const owner = await getTokenOwner(t.doc, t.tableName, 'GCM', token);
    expect(holders[agents.findIndex((a) => a.agentId === owner?.agentId)]).toBe(1);
    expect(new Set(replies.map((r) => r.body.endpointArn)).size).toBe(1);
  });

  test('the same platform and token under another platform application is another device', async () => {
    const a = me();
    const b = me();
    await post(a, { platform: 'APNS', token: apns('shared-text') });
    await post(b, { platform: 'GCM', token: apns('shared-text') });
    expect(await listDevices(t.doc, t.tableName, a)).toHaveLength(1);
    expect(await listDevices(t.doc, t.tableName, b)).toHaveLength(1);
  });
});

describe('at most 10 devices per agent (SPEC §10.3)', () => {
  test('an 11th removes the least recently registered one, and its endpoint', async () => {
    const a = me();
    const arns: string[] = [];
    for (let i = 0; i < 10; i++) arns.push((await post(a, { platform: 'GCM', token: `cap-${a.agentId}-${i}` })).body.endpointArn);
    // Registering the first again makes it recent: the second is now the least recently registered.
    expect((await post(a, { platform: 'GCM', token: `cap-${a.agentId}-0` })).status).toBe(200);
    const eleventh = await post(a, { platform: 'GCM', token: `cap-${a.agentId}-10` });
    expect(eleventh.status).toBe(201);
    const tokens = (await listDevices(t.doc, t.tableName, a)).map((d) => d.token).sort();
    expect(tokens).toHaveLength(10);
    expect(tokens).not.toContain(`cap-${a.agentId}-1`);
    expect(tokens).toContain(`cap-${a.agentId}-0`);
    await expect(attributes(arns[1]!)).rejects.toMatchObject({ name: 'NotFoundException' });
    expect(await getTokenOwner(t.doc, t.tableName, 'GCM', `cap-${a.agentId}-1`)).toBeUndefined();
    expect((await attributes(arns[0]!))?.Enabled).toBe('true');
  });
});
