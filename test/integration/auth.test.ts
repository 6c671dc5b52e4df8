/** Agent tokens (SPEC §5): only RS256 tokens from the configured issuer and audience get in. */
import { SignJWT, generateKeyPair, exportSPKI, UnsecuredJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { createTestTable } from '../support/table.js';
import { startTestIssuer, type TestIssuer } from '../support/auth.js';
import { call, httpEvent, lambdaContext } from '../support/events.js';

let iss: TestIssuer;
let getMe: unknown;
let authorizer: (e: unknown, c: unknown) => Promise<{ policyDocument: { Statement: Array<{ Effect: string }> }; context?: Record<string, string> }>;

beforeAll(async () => {
  await createTestTable('auth');
  iss = await startTestIssuer();
  getMe = (await import('../../lambdas/handlers/http/get-me.js')).handler;
  authorizer = (await import('../../lambdas/handlers/ws/authorizer.js')).handler as never;
});
afterAll(async () => iss.close());

const claims = { workspaceId: 'acme', agentId: 'amy', email: 'amy@example.com', name: 'Amy' };
const me = (token: string) => call(getMe, httpEvent({ method: 'GET', path: '/v1/me', token }));
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a valid token gets in, over HTTP and at the WebSocket authorizer', async () => {
  const token = await iss.sign(claims);
  expect((await me(token)).status).toBe(200);
  const a = await authorizer({ type: 'REQUEST', methodArn: 'arn:x/$connect', queryStringParameters: { token } }, lambdaContext);
  expect(a.policyDocument.Statement[0]?.Effect).toBe('Allow');
  expect(a.context).toMatchObject({ agentId: 'amy', workspaceId: 'acme' });
});

const bad: Array<[string, () => Promise<string>]> = [
  ['expired', () => iss.sign(claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
  ['no exp claim (a token that never expires)', () => iss.sign(claims, { expiresIn: null })],
  ['not yet valid', () => iss.sign(claims, { notBefore: Math.floor(Date.now() / 1000) + 3600 })],
  ['wrong audience', () => iss.sign(claims, { extra: { aud: 'someone-else' } })],
  ['alg none', async () => new UnsecuredJWT({ sub: 'amy', workspace_id: 'acme' }).setIssuer(iss.issuer).setAudience(iss.audience).setExpirationTime('1h').encode()],
  [
    'tampered payload',
    async () => {
      const [h, , s] = (await iss.sign(claims)).split('.');
      return `${h}.${b64({ sub: 'boss', workspace_id: 'acme', iss: iss.issuer, aud: iss.audience, exp: Math.floor(Date.now() / 1000) + 3600 })}.${s}`;
    },
  ],
  [
    'wrong issuer (another key pair)',
    async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ workspace_id: 'acme' })
        .setProtectedHeader({ alg: 'RS256', kid: 'local-1' })
        .setSubject('amy')
        .setIssuer(iss.issuer)
        .setAudience(iss.audience)
        .setExpirationTime('1h')
        .sign(privateKey);
    },
  ],
  ['issuer claim of another issuer', () => iss.sign(claims, { extra: { iss: 'https://evil.example.com' } })],
  [
    'HS256 signed with the public key',
    async () => {
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(publicKey);
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'local-1' });
      const body = b64({ sub: 'amy', workspace_id: 'acme', iss: iss.issuer, aud: iss.audience, exp: Math.floor(Date.now() / 1000) + 3600 });
      const sig = createHmac('sha256', pem).update(`${head}.${body}`).digest('base64url');
      return `${head}.${body}.${sig}`;
    },
  ],
  ['no workspace claim', async () => iss.sign({ ...claims, workspaceId: '' })],
  ['empty string', async () => ''],
];

test('the role claim makes an admin; email_verified false is kept', async () => {
  const { verifyAgentToken } = await import('../../lambdas/edge/auth.js');
  const admin = await verifyAgentToken(await iss.sign({ ...claims, role: 'admin' }, { extra: { email_verified: false } }));
  expect(admin).toMatchObject({ agentId: 'amy', admin: true, emailVerified: false });
  expect(admin.expiresAt).toBeGreaterThan(Date.now() / 1000);
  const plain = await verifyAgentToken(await iss.sign(claims));
  expect(plain).toMatchObject({ admin: false, emailVerified: true });
});

test.each(bad)('%s → 401 over HTTP and Deny at the WebSocket authorizer', async (_n, make) => {
  const token = await make();
  const r = await me(token);
  expect(r.status).toBe(401);
  expect(r.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  const a = await authorizer({ type: 'REQUEST', methodArn: 'arn:x/$connect', queryStringParameters: token ? { token } : {} }, lambdaContext);
  expect(a.policyDocument.Statement[0]?.Effect).toBe('Deny');
});
