/**
 * The offline stack runs the reminder on its own schedule (here every second instead of every five
 * minutes): the email arrives without anyone calling `/_local/reminders/run`, and only once.
 */
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;

beforeAll(async () => {
  stack = await startTestStack({ reminderIntervalS: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

async function emailsTo(address: string): Promise<any[]> {
  const r = await call(stack.httpUrl, 'GET', '/_local/emails');
  return (r.json.emails as any[]).filter((e) => e.to.includes(address));
}

test('the scheduled reminder emails an agent about an unread conversation, once', async () => {
  const ws = uid('ws');
  const agentId = uid('agent');
  const email = `${agentId}@example.com`;
  const token = await agentToken(stack, { workspaceId: ws, agentId, email, name: 'Rae' });
  const settings = { desktop: true, mobile: true, email: true, emailUnreadReminder: true, scope: 'all', unassigned: true };
  expect((await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: settings })).status).toBe(200);

  const conv = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, {
    body: { visitor: { name: 'Sam' }, message: { body: 'is anyone there?' } },
  });
  expect(conv.status).toBe(201);

  const [first] = await eventually(async () => {
    const got = await emailsTo(email);
    return got.length > 0 ? got : undefined;
  }, 'the scheduled reminder email');
  expect(first.text).toContain('is anyone there?');

  // A manual run queues behind any scheduled one; once it has run, nothing more is due.
  const run = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(run.status).toBe(200);
  expect(await emailsTo(email)).toHaveLength(1);
});
