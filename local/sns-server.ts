/**
 * A local SNS for mobile push, speaking the AWS Query protocol that @aws-sdk/client-sns v3 uses:
 * `POST /` with a form-encoded body (`Action=…&Version=2010-03-31`, maps as
 * `Attributes.entry.N.key/value`), XML answers, and `<ErrorResponse>` errors. It keeps platform
 * endpoints and records every push it "delivers"; the offline stack shows them at
 * `GET /_local/push`, and tests use them to see what a phone would have received.
 *
 * It fails as SNS fails, where the app depends on it (the answers below are LocalStack's, whose SNS
 * provider is checked against AWS; localstack/localstack
 * localstack-core/localstack/services/sns/v2/provider.py):
 * - Publish to an endpoint that does not exist: `InvalidParameter` "Invalid parameter: TargetArn
 *   Reason: No endpoint found for the target arn specified" (not NotFound);
 * - GetEndpointAttributes / SetEndpointAttributes on one: `NotFound` "Endpoint does not exist";
 * - Publish to a disabled endpoint: `EndpointDisabled`; to an endpoint of a disabled platform
 *   application (an expired APNs certificate): `PlatformApplicationDisabled`;
 * - a platform payload over 4096 bytes (APNs' and FCM's limit) is refused with `InvalidParameter`
 *   "Invalid parameter: Message Reason: Invalid notification for protocol APNS: Notification is too
 *   long" (GCM: "… Notification data is larger than allowed limit"), the texts wireapp/wire-server's
 *   gundeck matches SNS's answers against (services/gundeck/src/Gundeck/Aws.hs).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MAX_PLATFORM_PAYLOAD_BYTES, type Platform as PushPlatform } from '../lambdas/domain/push.js';

/** One delivered push, in SPEC §9's shape. `payload` is the platform's member of the message, parsed. */
export interface PushRecord {
  endpointArn: string;
  platform: PushPlatform;
  token: string;
  payload: unknown;
  /** The publish's message attributes, name → string value (e.g. AWS.SNS.MOBILE.APNS.COLLAPSE_ID). */
  attributes: Record<string, string>;
  at: string;
}

/**
 * How `disable` breaks a token's endpoint: `disabled` as SNS does when APNs/FCM reject the token;
 * `deleted` as if the endpoint were deleted outside this app; `application` disables the platform
 * application the endpoint belongs to (an expired APNs certificate): every endpoint of it fails.
 */
export type DisableMode = 'disabled' | 'deleted' | 'application';

/** A Publish that SNS refused (e.g. EndpointDisabled): not a delivered push, but worth seeing in tests. */
export interface RefusedPublish {
  endpointArn: string;
  code: string;
  at: string;
}

export interface SnsServer {
  url: string;
  pushes(): PushRecord[];
  refused(): RefusedPublish[];
  /** Make the endpoint(s) of this token report disabled (or `mode`); false when no endpoint has the token. */
  disable(token: string, mode?: DisableMode): boolean;
  /** The next `count` requests (of `action`, or of any action) fail with this error code. */
  failNext(code: string, count?: number, action?: string): void;
  close(): Promise<void>;
}

interface Endpoint {
  arn: string;
  appArn: string;
  platform: PushPlatform;
  attributes: Record<string, string>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const APP_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):app\/(APNS|APNS_SANDBOX|GCM)\/([A-Za-z0-9_.-]+)$/;

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** HTTP status SNS answers with for a code; the SDK classifies throttling and 5xx as retryable. */
function statusFor(code: string): number {
  if (code === 'Throttled') return 429;
  if (code === 'InternalError' || code === 'InternalFailure') return 500;
  if (code === 'ServiceUnavailable') return 503;
  if (code === 'NotFound' || code === 'ResourceNotFound') return 404;
  if (code === 'AuthorizationError') return 403;
  return 400;
}

function esc(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function ok(action: string, result: string): string {
  const inner = result ? `<${action}Result>${result}</${action}Result>` : '';
  return `<${action}Response xmlns="${XMLNS}">${inner}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function errorXml(e: SnsError): string {
  const type = e.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue` (or `.BinaryValue`, base64) into name → value. */
function messageAttributes(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
    const at = `MessageAttributes.entry.${i}.Value`;
    out[params.get(`MessageAttributes.entry.${i}.Name`)!] = params.get(`${at}.StringValue`) ?? params.get(`${at}.BinaryValue`) ?? '';
  }
  return out;
}

/** `Attributes.entry.N.key` / `.value` pairs into a plain map. */
function mapParam(params: URLSearchParams, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; params.has(`${name}.entry.${i}.key`); i++) {
    out[params.get(`${name}.entry.${i}.key`)!] = params.get(`${name}.entry.${i}.value`) ?? '';
  }
  return out;
}

function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (!v) throw new SnsError('InvalidParameter', `Invalid parameter: ${name}`);
  return v;
}

function attributesXml(attrs: Record<string, string>): string {
  return `<Attributes>${Object.entries(attrs)
    .map(([k, v]) => `<entry><key>${esc(k)}</key><value>${esc(v)}</value></entry>`)
    .join('')}</Attributes>`;
}

export function startSnsServer(opts: { port?: number; host?: string } = {}): Promise<SnsServer> {
  const endpoints = new Map<string, Endpoint>();
  const pushes: PushRecord[] = [];
  const refusals: RefusedPublish[] = [];
  const faults: Array<{ code: string; action?: string }> = [];
  const disabledApps = new Set<string>();

  function find(arn: string): Endpoint {
    const e = endpoints.get(arn);
    if (!e) throw new SnsError('NotFound', 'Endpoint does not exist', 404);
    return e;
  }

  const actions: Record<string, (p: URLSearchParams) => string> = {
    CreatePlatformEndpoint(p) {
      const appArn = required(p, 'PlatformApplicationArn');
      const token = required(p, 'Token');
      const m = APP_ARN.exec(appArn);
      if (!m) throw new SnsError('InvalidParameter', 'Invalid parameter: PlatformApplicationArn');
      const [, region, account, platform, app] = m as unknown as [string, string, string, PushPlatform, string];
      const asked: Record<string, string> = { ...mapParam(p, 'Attributes') };
      const custom = p.get('CustomUserData');
      if (custom !== null) asked.CustomUserData = custom;
      const same = [...endpoints.values()].find((e) => e.appArn === appArn && e.attributes.Token === token);
      if (same) {
        // SNS: the same token with the same attributes returns the same endpoint (enabled or not).
        if (Object.entries(asked).some(([k, v]) => same.attributes[k] !== v)) {
          throw new SnsError('InvalidParameter', `Invalid parameter: Token Reason: Endpoint ${same.arn} already exists with the same Token, but different attributes.`);
        }
        return ok('CreatePlatformEndpoint', `<EndpointArn>${esc(same.arn)}</EndpointArn>`);
      }
      const arn = `arn:aws:sns:${region}:${account}:endpoint/${platform}/${app}/${randomUUID()}`;
      endpoints.set(arn, { arn, appArn, platform, attributes: { Enabled: 'true', ...asked, Token: token } });
      return ok('CreatePlatformEndpoint', `<EndpointArn>${esc(arn)}</EndpointArn>`);
    },
    GetEndpointAttributes(p) {
      return ok('GetEndpointAttributes', attributesXml(find(required(p, 'EndpointArn')).attributes));
    },
    SetEndpointAttributes(p) {
      const e = find(required(p, 'EndpointArn'));
      const attrs = mapParam(p, 'Attributes');
      if (attrs.Enabled !== undefined && attrs.Enabled !== 'true' && attrs.Enabled !== 'false') {
        throw new SnsError('InvalidParameter', 'Invalid parameter: Attributes Reason: Enabled must be true or false');
      }
      Object.assign(e.attributes, attrs);
      return ok('SetEndpointAttributes', '');
    },
    DeleteEndpoint(p) {
      // Deleting an endpoint that does not exist succeeds on SNS too.
      endpoints.delete(required(p, 'EndpointArn'));
      return ok('DeleteEndpoint', '');
    },
    Publish(p) {
      const target = p.get('TargetArn');
      if (!target) throw new SnsError('InvalidParameter', 'Invalid parameter: only TargetArn (platform endpoint) publishing is supported locally');
      const e = endpoints.get(target);
      if (!e) throw new SnsError('InvalidParameter', 'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified');
      if (disabledApps.has(e.appArn)) throw new SnsError('PlatformApplicationDisabled', 'Platform application is disabled');
      if (e.attributes.Enabled === 'false') throw new SnsError('EndpointDisabled', 'Endpoint is disabled');
      const message = required(p, 'Message');
      let payload: unknown = message;
      if (p.get('MessageStructure') === 'json') {
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(message) as Record<string, unknown>;
        } catch {
          throw new SnsError('InvalidParameter', 'Invalid parameter: Message Structure - JSON message body failed to parse');
        }
        if (typeof doc.default !== 'string') {
          throw new SnsError('InvalidParameter', 'Invalid parameter: Message Structure - No default entry in JSON message body');
        }
        const member = doc[e.platform];
        if (typeof member === 'string') {
          if (Buffer.byteLength(member, 'utf8') > MAX_PLATFORM_PAYLOAD_BYTES) {
            const protocol = e.platform === 'GCM' ? 'GCM' : 'APNS';
            const reason = protocol === 'GCM' ? 'Notification data is larger than allowed limit' : 'Notification is too long';
            throw new SnsError('InvalidParameter', `Invalid parameter: Message Reason: Invalid notification for protocol ${protocol}: ${reason}`);
          }
          try {
            payload = JSON.parse(member);
          } catch {
            throw new SnsError('InvalidParameter', `Invalid parameter: Message - ${e.platform} member is not valid JSON`);
          }
        } else {
          payload = doc.default; // no platform member: SNS sends the default text
        }
      }
      pushes.push({
        endpointArn: e.arn,
        platform: e.platform,
        token: e.attributes.Token ?? '',
        payload,
        attributes: messageAttributes(p),
        at: new Date().toISOString(),
      });
      return ok('Publish', `<MessageId>${randomUUID()}</MessageId>`);
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const action = params.get('Action') ?? '';
    let status = 200;
    let xml: string;
    try {
      if (req.method !== 'POST') throw new SnsError('InvalidAction', 'Only POST is supported');
      const fn = actions[action];
      if (!fn) throw new SnsError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
      const fault = faults.findIndex((f) => !f.action || f.action === action);
      if (fault >= 0) {
        const [f] = faults.splice(fault, 1);
        throw new SnsError(f!.code, `Injected ${f!.code}`, statusFor(f!.code));
      }
      xml = fn(params);
    } catch (e) {
      const err = e instanceof SnsError ? e : new SnsError('InternalError', (e as Error).message, 500);
      status = err.status;
      xml = errorXml(err);
      if (action === 'Publish') refusals.push({ endpointArn: params.get('TargetArn') ?? '', code: err.code, at: new Date().toISOString() });
    }
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    res.end(xml);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
        pushes: () => pushes.map((p) => ({ ...p })),
        refused: () => refusals.map((r) => ({ ...r })),
        disable(token, mode = 'disabled') {
          let found = false;
          for (const e of [...endpoints.values()]) {
            if (e.attributes.Token !== token) continue;
            found = true;
            if (mode === 'deleted') endpoints.delete(e.arn);
            else if (mode === 'application') disabledApps.add(e.appArn);
            else e.attributes.Enabled = 'false';
          }
          return found;
        },
        failNext(code, count = 1, action) {
          for (let i = 0; i < count; i++) faults.push({ code, action });
        },
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
