/**
 * The API documents (docs/openapi.json, docs/asyncapi.json) are generated from the code
 * (docs/generate.ts); these checks keep them, and the answer schemas they are built from, true.
 */
import { readFileSync } from 'node:fs';
import type * as z from 'zod/mini';
import { renderDocs } from '../../docs/generate.js';
import { HTTP_ROUTES, WS_ROUTES } from '../../lib/routes.js';
import * as A from '../../lambdas/edge/answers.js';
import { chatMessageFrame } from '../../lambdas/domain/frames.js';
import { defaultSettings, withDefaults, type NotificationSettings } from '../../lambdas/domain/settings.js';
import { listItem, type ConversationListItem } from '../../lambdas/store/conversations.js';
import type { StoredMessage } from '../../lambdas/store/messages.js';
import type { WidgetSettings } from '../../lambdas/domain/widget.js';
import { errorBody, type ErrorCode } from '../../lambdas/edge/errors.js';
import { TOO_MANY_CONNECTIONS } from '../../lambdas/app/connections.js';

// Compile-time: the answer schemas and the types the handlers answer with are the same shapes
// (a field added to one and not the other fails `npm run typecheck`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const yes = <T extends true>(t: T) => t;
yes<Same<z.infer<typeof A.conversationListItem>, ConversationListItem>>(true);
yes<Same<z.infer<typeof A.message>, StoredMessage>>(true);
yes<Same<z.infer<typeof A.settingsAnswer>, NotificationSettings>>(true);
yes<Same<z.infer<typeof A.widgetAnswer>, WidgetSettings>>(true);
yes<Same<(typeof A.ERROR_CODES)[number], ErrorCode>>(true);

test('the committed docs/openapi.json and docs/asyncapi.json are what `npm run docs` writes now', async () => {
  for (const d of await renderDocs()) {
    const committed = readFileSync(d.path, 'utf8');
    // On a failure: run `npm run docs` and commit the result.
    expect({ path: d.path, upToDate: committed === d.text }).toEqual({ path: d.path, upToDate: true });
  }
});

test('every HTTP route of lib/routes.ts has its answers in lambdas/edge/answers.ts', () => {
  const missing = HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).filter((k) => !A.HTTP_ANSWERS[k]);
  expect(missing).toEqual([]);
});

test('every two-way WebSocket action has its reply frames, and every reply is a documented frame', () => {
  const missing = WS_ROUTES.filter((r) => r.returnsResponse && !A.WS_REPLIES[r.routeKey]).map((r) => r.routeKey);
  expect(missing).toEqual([]);
  for (const replies of Object.values(A.WS_REPLIES)) for (const f of replies) expect(Object.keys(A.SERVER_FRAMES)).toContain(f);
});

test('the OpenAPI document has an operation for every HTTP route, with the request schema the handler validates with', async () => {
  const [openapi] = await renderDocs();
  const doc = JSON.parse(openapi!.text);
  for (const r of HTTP_ROUTES) expect(doc.paths[r.path.replace('{proxy+}', '{proxy}')]?.[r.method.toLowerCase()]).toBeDefined();
  // One schema, two uses: the settings PUT documents exactly the fields the handler accepts.
  const put = doc.paths['/v1/me/notification-settings'].put;
  expect(put.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  expect(Object.keys(put.requestBody.content['application/json'].schema.properties)).toEqual(Object.keys(defaultSettings()));
  // The list's query parameters are the handler's query schema.
  expect(doc.paths['/v1/conversations'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['filter', 'cursor', 'limit']);
});

test('what the builders produce fits the answer and frame schemas', () => {
  const frame = chatMessageFrame(
    { workspaceId: 'w', conversationId: 'c', messageId: 'm', seq: 1, fromType: 'visitor', fromId: 'v', fromName: 'Ann', body: 'hi', createdAt: '2026-01-01T00:00:00.000Z' },
    null,
  );
  expect(A.SERVER_FRAMES['chat.message'].safeParse(frame).success).toBe(true);
  expect(A.settingsAnswer.safeParse(withDefaults({ desktop: false })).success).toBe(true);
  expect(A.errorAnswer.safeParse(errorBody('not_found', 'no')).success).toBe(true);
  expect(A.SERVER_FRAMES.error.safeParse(TOO_MANY_CONNECTIONS).success).toBe(true);
  const item = listItem(
    {
      workspaceId: 'w',
      conversationId: 'c',
      visitor: { name: 'Ann' },
      visitorId: 'v',
      assigneeId: null,
      lastSeq: 1,
      lastVisitorSeq: 1,
      statusReadSeq: 0,
      lastMessage: { messageId: 'm', seq: 1, from: { type: 'visitor', id: 'v' }, body: 'hi', createdAt: '2026-01-01T00:00:00.000Z' },
    } as Parameters<typeof listItem>[0],
    0,
  );
  expect(A.conversationListItem.safeParse(item).success).toBe(true);
  // And they refuse what the contract does not allow: an unknown field, a wrong type.
  expect(A.SERVER_FRAMES['chat.message'].safeParse({ ...frame, extra: 1 }).success).toBe(false);
  expect(A.conversationListItem.safeParse({ ...item, unread: 'yes' }).success).toBe(false);
});

describe('both documents pass a real validator', () => {
  test('docs/openapi.json is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator), and a broken copy is not', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const doc = JSON.parse(readFileSync('docs/openapi.json', 'utf8'));
    const r = await new Validator().validate(doc);
    expect({ valid: r.valid, errors: r.errors }).toEqual({ valid: true, errors: undefined });
    const broken = structuredClone(doc);
    // OpenAPI 3.1 has no `in: body` parameter (that was Swagger 2).
    broken.paths['/v1/me'].get.parameters = [{ name: 'x', in: 'body', schema: { type: 'string' } }];
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  test('docs/asyncapi.json is valid AsyncAPI 3 (@asyncapi/parser: no error or warning), and a broken copy is not', async () => {
    const { Parser } = await import('@asyncapi/parser');
    const parser = new Parser();
    const text = readFileSync('docs/asyncapi.json', 'utf8');
    const { document, diagnostics } = await parser.parse(text);
    // Severity 0 is an error, 1 a warning (spectral's DiagnosticSeverity).
    expect(diagnostics.filter((d) => Number(d.severity) <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document).toBeDefined();
    const broken = JSON.parse(text);
    broken.operations.receive_ping.channel = { $ref: '#/channels/nowhere' };
    const r = await parser.parse(JSON.stringify(broken));
    expect(r.document).toBeUndefined();
  }, 120_000);
});
