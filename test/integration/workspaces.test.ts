/** The workspace item (SPEC §10.1) against DynamoDB Local: made with the first agent, migrated for old agents. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTable, type TestTable } from '../support/table.js';
import { ensureAgent } from '../../lambdas/store/agents.js';
import { getWorkspaceWidget, putWorkspaceWidget, WorkspaceMissingError } from '../../lambdas/store/workspaces.js';
import { k } from '../../lambdas/store/keys.js';
import { defaultSettings } from '../../lambdas/domain/settings.js';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable('ws');
});

const identity = (workspaceId: string, agentId: string) => ({ workspaceId, agentId, email: `${agentId}@example.com`, name: agentId });

test('a workspace exists once its first agent is seen, with the default widget settings', async () => {
  expect(await getWorkspaceWidget(t.doc, t.tableName, 'w-new')).toBeUndefined();
  await ensureAgent(t.doc, t.tableName, identity('w-new', 'a1'));
  expect(await getWorkspaceWidget(t.doc, t.tableName, 'w-new')).toEqual({ allowedOrigins: [], conversationsPerMinute: 60 });
});

test('agents seen at once for the first time all get in, and a second agent keeps the saved widget settings', async () => {
  await Promise.all(Array.from({ length: 6 }, (_, i) => ensureAgent(t.doc, t.tableName, identity('w-race', `a${i}`))));
  await putWorkspaceWidget(t.doc, t.tableName, 'w-race', { allowedOrigins: ['https://shop.example'], conversationsPerMinute: 7 });
  await ensureAgent(t.doc, t.tableName, identity('w-race', 'late'));
  expect(await getWorkspaceWidget(t.doc, t.tableName, 'w-race')).toEqual({ allowedOrigins: ['https://shop.example'], conversationsPerMinute: 7 });
  for (let i = 0; i < 6; i++) {
    const r = await t.doc.send(new GetCommand({ TableName: t.tableName, Key: k.agent('w-race', `a${i}`) }));
    expect(r.Item?.agentId).toBe(`a${i}`);
  }
});

test('an agent stored before workspace items existed records the workspace on their next sign-in', async () => {
  // The item as ensureAgent wrote it before: no workspace item, no marker.
  await t.doc.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { ...k.agent('w-old', 'veteran'), entity: 'agent', ...identity('w-old', 'veteran'), settings: defaultSettings(), createdAt: '2025-01-01T00:00:00.000Z' },
    }),
  );
  expect(await getWorkspaceWidget(t.doc, t.tableName, 'w-old')).toBeUndefined();
  const a = await ensureAgent(t.doc, t.tableName, identity('w-old', 'veteran'));
  expect(a.createdAt).toBe('2025-01-01T00:00:00.000Z');
  expect(await getWorkspaceWidget(t.doc, t.tableName, 'w-old')).toEqual({ allowedOrigins: [], conversationsPerMinute: 60 });
});

test('widget settings are never written for a workspace that does not exist', async () => {
  await expect(putWorkspaceWidget(t.doc, t.tableName, 'w-none', { allowedOrigins: [], conversationsPerMinute: 5 })).rejects.toBeInstanceOf(WorkspaceMissingError);
  expect(await getWorkspaceWidget(t.doc, t.tableName, 'w-none')).toBeUndefined();
});
