/**
 * `GET /v1/unsubscribe?t=…`: a small page with a button that POSTs (a mail client's link preview
 * or a scanner following the link must not unsubscribe anybody: RFC 8058 §3 asks for a POST).
 * `POST /v1/unsubscribe?t=…` with the body `List-Unsubscribe=One-Click` (RFC 8058 one-click, form
 * encoded or multipart; the page's button sends the same): the agent's reminder emails go off. No
 * sign-in: the signed token is the authority. A missing or malformed token or body is 400, a token
 * whose signature is not ours 403, in the SPEC error shape.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorResponse } from '../../edge/http.js';
import { badRequest, forbidden } from '../../edge/errors.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { logger } from '../../platform/logger.js';
import { BadUnsubscribeToken, unsubscribe } from '../../app/unsubscribe.js';

const MAX_BODY = 4096;

function html(status: number, title: string, inner: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    },
    body: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family: sans-serif; margin: 3em auto; max-width: 32em">${inner}</body></html>`,
  };
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** RFC 8058: `List-Unsubscribe=One-Click`, as application/x-www-form-urlencoded or multipart/form-data. */
function isOneClick(body: string): boolean {
  if (new URLSearchParams(body.trim()).get('List-Unsubscribe') === 'One-Click') return true;
  return /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/.test(body);
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    logger.setCorrelationId(event.requestContext?.requestId);
    try {
      const t = event.queryStringParameters?.t;
      if (!t || t.length > 1024) throw badRequest('the link has no token');
      const method = event.requestContext?.http?.method ?? 'GET';
      if (method === 'GET') {
        return html(
          200,
          'Email reminders',
          `<p>Turn off the email reminders about unread chat messages?</p><form method="post" action="?t=${attr(encodeURIComponent(t))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Turn off email reminders</button></form>`,
        );
      }
      const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      if (raw.length > MAX_BODY || !isOneClick(raw)) throw badRequest('the body must be List-Unsubscribe=One-Click');
      await unsubscribe({ db: dynamo(), tableName: config().tableName, secret: config().unsubscribeSecret }, t);
      return html(200, 'Email reminders off', '<p>Email reminders are off. You can turn them on again in the notification settings of the agent console.</p>');
    } catch (e) {
      if (e instanceof BadUnsubscribeToken) return errorResponse(forbidden(e.message));
      return errorResponse(e);
    }
  });
