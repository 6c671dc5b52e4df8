/**
 * The least-privilege check: the calls the recorder wrote (lambdas/platform/call-log.ts) against
 * each function's policy in the SYNTHESIZED template (the same AgentChatStack `cdk synth` builds,
 * bundling skipped: the policies do not depend on the code's bytes).
 *
 * 1. Every recorded call is allowed: some Allow statement of that function's role matches the IAM
 *    action, the resource (table, index ARN, SNS application/endpoint, SES identity, @connections
 *    ARN) and every condition (dynamodb:LeadingKeys, ses:FromAddress).
 * 2. Every grant is used: each (statement, action, LeadingKeys pattern) of the route table's
 *    grants matched at least one recorded call of that function.
 *
 * The template's intrinsics are evaluated with the offline stack's values for the parameters and
 * the pseudo parameters, so the SNS ARNs, EmailFrom and the table recorded offline are the ones
 * the policy names. Failures say what to change in lib/routes.ts.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedCall } from '../../lambdas/platform/call-log.js';
import { AgentChatStack } from '../../lib/stack.js';
import { WORK_QUEUE_METADATA } from '../../lib/constructs/work-queue.js';
import type { WorkQueue } from '../../lib/routes.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** The offline stack's values (local/stack.ts) for the parameters the policies read. */
const PARAMETERS: Record<string, string> = {
  PlatformAppArnApns: 'arn:aws:sns:us-east-1:000000000000:app/APNS/agent-chat-local',
  PlatformAppArnApnsSandbox: 'arn:aws:sns:us-east-1:000000000000:app/APNS_SANDBOX/agent-chat-local',
  PlatformAppArnGcm: 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat-local',
  EmailFrom: process.env.EMAIL_FROM ?? 'notifications@agent-chat.local',
};
const PSEUDO: Record<string, string> = { 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
/** The services whose grants come from lib/routes.ts (the log-group grants are not recorded calls). */
const SERVICES = ['dynamodb:', 'sns:', 'ses:', 'execute-api:', 'sqs:'];

/** The event source mapping's stream reads: Lambda's poller uses the role, the handler never calls them. */
const STREAM_ACTIONS = ['dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
/** The SQS event source mapping's reads and deletes (SqsEventSource's grantConsumeMessages): Lambda's poller's, not the handler's. */
const QUEUE_POLL_ACTIONS = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
/**
 * The stream mapping's on-failure destination (SqsDlq): Lambda's poller sends a failed batch's
 * record to it with the function's role; the handler never calls SQS for it.
 */
const ON_FAILURE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
const isStreamOnFailure = (s: Statement) => [s.Action].flat().every((a) => ON_FAILURE_ACTIONS.includes(a)) && JSON.stringify(s.Resource).includes('FanoutDlq');

type Json = any;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

export interface Request {
  action: string;
  resource: string;
  context: Record<string, string[]>;
}

export interface GrantUnit {
  function: string;
  statement: number;
  action: string;
  /** The LeadingKeys pattern, or '' for a statement without one. */
  keys: string;
  resources: string[];
}

export interface IamReport {
  callsChecked: number;
  functionsSeen: string[];
  grantedUnits: GrantUnit[];
  denied: string[];
  unused: string[];
  /** The grants the recorded calls need, per function, for the reader of a failure. */
  needed: Record<string, string[]>;
  inventory: Record<string, string[]>;
}

/** Every recorded line under `dir` (the recorder writes one file per process). */
export function readCalls(dir: string): RecordedCall[] {
  const out: RecordedCall[] = [];
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) if (line.trim()) out.push(JSON.parse(line) as RecordedCall);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The template, its intrinsics evaluated.

interface Synthesized {
  statements: Map<string, Statement[]>;
  tableArn: string;
  connectionsPrefix: string;
}

let synthesized: Synthesized | undefined;

/** `queues`: build the stack with these work queues instead of lib/routes.ts QUEUES (not cached). */
function synthesize(queues?: readonly WorkQueue[]): Synthesized {
  if (synthesized && !queues) return synthesized;
  const work = mkdtempSync(join(tmpdir(), 'iam-check-'));
  try {
    const site = join(work, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'index.html'), '<!doctype html>');
    // No bundling: a policy does not depend on the bundle, and esbuild for every function is slow.
    const app = new App({ outdir: join(work, 'out'), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new AgentChatStack(app, 'IamCheck', { consoleAssetsDir: site, ...(queues ? { queues } : {}) });
    const t = Template.fromStack(stack).toJSON();
    const resources = t.Resources as Record<string, { Type: string; Properties: Json; Metadata?: Json }>;
    // A work queue's ARN with the name the offline stack gives it (its QUEUES id; `{id}-dlq` its DLQ).
    const queueArn = (r: { Metadata?: Json }, logicalId: string) => {
      const m = r.Metadata?.[WORK_QUEUE_METADATA] as { id: string; role: string } | undefined;
      return m ? `arn:aws:sqs:${REGION}:${ACCOUNT}:${m.role === 'dlq' ? `${m.id}-dlq` : m.id}` : `{${logicalId}.Arn}`;
    };
    const conditions = (t.Conditions ?? {}) as Record<string, Json>;
    const evaluate = (v: Json): Json => {
      if (Array.isArray(v)) return v.map(evaluate);
      if (!v || typeof v !== 'object') return v;
      const [fn, arg] = Object.entries(v)[0] as [string, Json];
      switch (fn) {
        case 'Ref':
          return PARAMETERS[arg] ?? PSEUDO[arg] ?? (t.Parameters?.[arg] ? String(t.Parameters[arg].Default ?? '') : `{${arg}}`);
        case 'Fn::GetAtt':
          if (resources[arg[0]]?.Type === 'AWS::SQS::Queue' && arg[1] === 'Arn') return queueArn(resources[arg[0]]!, arg[0]);
          return resources[arg[0]]?.Type === 'AWS::DynamoDB::Table' && arg[1] === 'Arn' ? `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/{table}` : `{${arg.join('.')}}`;
        case 'Fn::Join':
          return (evaluate(arg[1]) as Json[]).flat().join(arg[0]);
        case 'Fn::Split':
          return String(evaluate(arg[1])).split(arg[0]);
        case 'Fn::Select':
          return (evaluate(arg[1]) as Json[])[Number(evaluate(arg[0]))];
        case 'Fn::If':
          return evaluate(condition(arg[0]) ? arg[1] : arg[2]);
        case 'Fn::Equals':
          return evaluate(arg[0]) === evaluate(arg[1]);
        case 'Fn::Not':
          return !evaluate(arg[0]);
        case 'Fn::And':
          return (arg as Json[]).every((a) => evaluate(a));
        case 'Fn::Or':
          return (arg as Json[]).some((a) => evaluate(a));
        case 'Condition':
          return condition(arg);
        default:
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, evaluate(x)]));
      }
    };
    const condition = (name: string): boolean => Boolean(evaluate(conditions[name]));

    const statements = new Map<string, Statement[]>();
    for (const [handler, f] of stack.functions) {
      const roleId = stack.getLogicalId(f.role.node.defaultChild as never);
      const own = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as Json[]).some((x) => x?.Ref === roleId))
        .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[])
        .map((s) => evaluate(s) as Statement)
        .filter((s) => [s.Action].flat().some((a) => SERVICES.some((p) => a.startsWith(p))))
        // The stream reads are the event source mapping's (Lambda's poller uses the role), not the handler's.
        .filter((s) => ![s.Action].flat().every((a) => STREAM_ACTIONS.includes(a)))
        .filter((s) => ![s.Action].flat().every((a) => QUEUE_POLL_ACTIONS.includes(a)))
        .filter((s) => !isStreamOnFailure(s));
      statements.set(handler, own);
    }
    const wsApi = Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api' && r.Properties.ProtocolType === 'WEBSOCKET')![0];
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage' && r.Properties.ApiId?.Ref === wsApi)!.Properties.StageName as string;
    const result: Synthesized = {
      statements,
      tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/{table}`,
      connectionsPrefix: `arn:aws:execute-api:${REGION}:${ACCOUNT}:{${wsApi}}/${stage}`,
    };
    if (!queues) synthesized = result;
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Policy evaluation: the subset of IAM the policies use.

/** IAM wildcard match: `*` any run of characters, `?` one character, case-sensitive. */
export function like(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

function conditionHolds(op: string, key: string, wanted: string[], ctx: Record<string, string[]>): boolean {
  const values = ctx[key];
  const [set, base] = op.includes(':') ? (op.split(':') as [string, string]) : ['', op];
  const test = base === 'StringEquals' ? (w: string, v: string) => w === v : base === 'StringLike' ? like : undefined;
  if (!test) throw new Error(`iam-check: condition operator ${op} is not evaluated; extend conditionHolds in test/support/iam-check.ts`);
  const one = (v: string) => wanted.some((w) => test(w, v));
  // IAM: ForAllValues is true for an absent or empty key; the single-valued operators are false.
  if (set === 'ForAllValues') return (values ?? []).every(one);
  if (set === 'ForAnyValue') return (values ?? []).some(one);
  return values !== undefined && values.length === 1 && one(values[0]!);
}

function statementAllows(s: Statement, r: Request): { action: string; keys: string } | undefined {
  if (s.Effect !== 'Allow') return undefined;
  const action = [s.Action].flat().find((a) => like(a, r.action));
  if (!action) return undefined;
  if (![s.Resource].flat().some((p: string) => like(p, r.resource))) return undefined;
  let keys = '';
  for (const [op, entries] of Object.entries(s.Condition ?? {})) {
    for (const [key, v] of Object.entries(entries)) {
      const wanted = [v].flat().map(String);
      if (!conditionHolds(op, key, wanted, r.context)) return undefined;
      if (key === 'dynamodb:LeadingKeys') keys = wanted.find((w) => (r.context[key] ?? []).every((x) => like(w, x))) ?? wanted.join(',');
    }
  }
  return { action, keys };
}

function leadingKeysOf(s: Statement): string[] {
  for (const entries of Object.values(s.Condition ?? {})) {
    const v = entries['dynamodb:LeadingKeys'];
    if (v !== undefined) return [v].flat().map(String);
  }
  return [''];
}

// ---------------------------------------------------------------------------------------------
// Recorded call → IAM request.

/**
 * The IAM requests one call makes. SendRawEmail with a configuration set is authorised on the
 * identity and on the configuration set.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservice.html
 */
function requestsOf(c: RecordedCall, s: Synthesized): Request[] {
  const r = requestOf(c, s);
  if (!c.configurationSet) return [r];
  return [r, { ...r, resource: `arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/${c.configurationSet}` }];
}

function requestOf(c: RecordedCall, s: Synthesized): Request {
  const [service] = c.action.split(':');
  if (service === 'dynamodb') {
    const resource = c.index ? `${s.tableArn}/index/${c.index}` : s.tableArn;
    return { action: c.action, resource, context: c.pk !== undefined ? { 'dynamodb:LeadingKeys': [c.pk] } : {} };
  }
  if (service === 'sns') return { action: c.action, resource: c.arn ?? '(no ARN recorded)', context: {} };
  if (service === 'sqs') return { action: c.action, resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:${c.queue ?? '(no queue recorded)'}`, context: {} };
  if (service === 'ses') {
    const from = /<([^>]+)>/.exec(c.from ?? '')?.[1] ?? c.from ?? '';
    return { action: c.action, resource: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${from}`, context: { 'ses:FromAddress': [from] } };
  }
  return { action: c.action, resource: `${s.connectionsPrefix}/${c.method}/@connections/{id}`, context: {} };
}

/** What a call is, in the words of lib/routes.ts: `dynamodb:PutItem on AGENT#…`. */
function describe(c: RecordedCall): string {
  const via = c.command && !c.action.endsWith(`:${c.command}`) ? ` (inside ${c.command})` : '';
  if (c.action.startsWith('dynamodb:')) return `${c.action}${c.index ? ` on index ${c.index}` : ''} key ${family(c.pk)}${via}`;
  if (c.action.startsWith('sns:')) return `${c.action} on ${snsKind(c.arn)}`;
  if (c.action.startsWith('ses:')) return `${c.action} from ${c.from}`;
  if (c.action.startsWith('sqs:')) return `${c.action} to queue ${c.queue}${via}`;
  return `${c.action} ${c.method} @connections`;
}

/** A key's family, as a LeadingKeys pattern: `AGENT#ws#a` → `AGENT#*`, `WS#w#RCPT#ALL` → `WS#*#RCPT#*`. */
export function family(pk: string | undefined): string {
  if (pk === undefined) return '(no key)';
  const parts = pk.split('#');
  if (parts.length === 1) return pk;
  if (parts[0] === 'WS' && parts[2]) return `WS#*#${parts[2]}#*`;
  return `${parts[0]}#*`;
}

function snsKind(arn: string | undefined): string {
  return /:(app|endpoint)\//.exec(arn ?? '')?.[1] === 'app' ? 'platform applications' : 'platform endpoints';
}

/** The grant entry (lib/routes.ts syntax) a call needs. */
function neededGrant(c: RecordedCall): string {
  const short = c.action.split(':')[1]!;
  if (c.action.startsWith('dynamodb:')) {
    if (c.index) return `{ query: '${c.index}' }`;
    return `{ table: ['${short}'], keys: ['${family(c.pk)}'] }`;
  }
  if (c.action.startsWith('sns:')) return `{ sns: ['${short}'] }`;
  if (c.action.startsWith('ses:')) return `'ses:send'`;
  if (c.action.startsWith('sqs:')) return `'sqs:send' (list the handler in the producers of QUEUES entry '${c.queue}')`;
  return `{ ws: ['${c.method}'] }`;
}

// ---------------------------------------------------------------------------------------------

export async function checkCalls(calls: readonly RecordedCall[], opts: { unused: boolean; queues?: readonly WorkQueue[] }): Promise<IamReport> {
  const s = synthesize(opts.queues);
  const denied = new Set<string>();
  const used = new Set<string>();
  const needed: Record<string, Set<string>> = {};
  const inventory: Record<string, Set<string>> = {};
  for (const c of calls) {
    (inventory[c.function] ??= new Set()).add(describe(c));
    (needed[c.function] ??= new Set()).add(neededGrant(c));
    const statements = s.statements.get(c.function);
    if (!statements) {
      denied.add(`${c.function}: recorded ${describe(c)}, but the stack has no function for this handler (is it in lib/routes.ts?)`);
      continue;
    }
    for (const req of requestsOf(c, s)) {
      let allowed = false;
      statements.forEach((st, i) => {
        const hit = statementAllows(st, req);
        if (hit) {
          allowed = true;
          used.add(`${c.function}|${i}|${hit.action}|${hit.keys}`);
        }
      });
      if (allowed) continue;
      if (req.resource.includes(':configuration-set/')) {
        denied.add(
          `${c.function} called ${describe(c)} with configuration set ${c.configurationSet}, which its policy does not allow: add the set's ARN to the 'ses:send' statement in lib/constructs/grants.ts.`,
        );
        continue;
      }
      denied.add(
        `${c.function} called ${describe(c)} (${req.resource}), which its policy does not allow. ` +
          `Add ${neededGrant(c)} to the grants of '${c.function}' in lib/routes.ts (or add the action/key to an entry it already has; ` +
          `key patterns come from LEADING_KEYS in lambdas/store/keys.ts, add a new family there).`,
      );
    }
  }

  const grantedUnits: GrantUnit[] = [];
  for (const [fn, statements] of s.statements) {
    statements.forEach((st, i) => {
      for (const action of [st.Action].flat()) {
        for (const keys of leadingKeysOf(st)) grantedUnits.push({ function: fn, statement: i, action, keys, resources: [st.Resource].flat() });
      }
    });
  }
  const unused = opts.unused
    ? grantedUnits
        .filter((u) => !used.has(`${u.function}|${u.statement}|${u.action}|${u.keys}`))
        .map((u) => {
          const where = u.keys ? ` on keys ${u.keys}` : u.resources.some((r) => r.includes('/index/')) ? ` on ${u.resources.join(', ')}` : '';
          return (
            `${u.function}: granted ${u.action}${where}, but no recorded call used it. Remove it from the grants of '${u.function}' in lib/routes.ts, ` +
            `or add a test that makes the call (the report lists what its recorded calls need).`
          );
        })
    : [];

  const sorted = (o: Record<string, Set<string>>) =>
    Object.fromEntries(
      Object.entries(o)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, [...v].sort()]),
    );
  return {
    callsChecked: calls.length,
    functionsSeen: Object.keys(inventory).sort(),
    grantedUnits,
    denied: [...denied].sort(),
    unused: unused.sort(),
    needed: sorted(needed),
    inventory: sorted(inventory),
  };
}

export function formatReport(r: IamReport, unusedChecked = true): string {
  const lines = [
    `least privilege: ${r.callsChecked} recorded AWS calls checked against the synthesized policies; ` +
      `${r.grantedUnits.length} grants (statement × action × LeadingKeys pattern; ${new Set(r.grantedUnits.map((u) => `${u.function} ${u.action}`)).size} function × action pairs) in ${new Set(r.grantedUnits.map((u) => u.function)).size} functions; ` +
      `${r.denied.length} calls denied; ${unusedChecked ? `${r.unused.length} grants unused` : 'unused grants not checked (partial run)'}`,
    'calls by function:',
    ...Object.entries(r.inventory).map(([fn, calls]) => `  ${fn}: ${calls.join('; ')}`),
  ];
  if (r.denied.length) lines.push('DENIED:', ...r.denied.map((d) => `  ${d}`));
  if (r.unused.length) lines.push('UNUSED:', ...r.unused.map((u) => `  ${u}`));
  if (r.denied.length || r.unused.length) {
    const fns = new Set([...r.denied, ...r.unused].map((x) => x.split(/[: ]/)[0]!));
    lines.push('the grants the recorded calls need (lib/routes.ts syntax):', ...[...fns].map((fn) => `  ${fn}: ${(r.needed[fn] ?? []).join(', ')}`));
  }
  return lines.join('\n');
}
