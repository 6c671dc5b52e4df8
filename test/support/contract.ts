/**
 * The contract test: every answer the end-to-end suites receive is checked against the API
 * documents. `call()` and `AgentSocket` (offline.ts) record what they receive when API_CONTRACT_LOG
 * names a folder (global-setup.mjs makes one per run); the global teardown checks the records
 * against docs/openapi.json (HTTP answers) and docs/asyncapi.json (server frames) with a JSON
 * Schema validator (ajv) and fails the run on an answer the documents do not describe.
 *
 * What is checked:
 * - an answer of a documented operation: its status is documented, and its JSON body fits that
 *   status's schema (an error status: the error shape);
 * - an answer on a path or method the API does not have (hostile tests try many): a 4xx JSON body
 *   must still be the error shape;
 * - 5xx answers (the fault suites cause them on purpose) are counted, not failed;
 * - a frame whose `type` is documented fits its schema; other frames (a test may post its own
 *   through @connections) are counted and named in the report.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv, type ValidateFunction } from 'ajv';

export interface AnswerRecord {
  kind: 'http';
  method: string;
  path: string;
  status: number;
  body: unknown;
  /** The body was not JSON (or empty). */
  raw?: boolean;
}
export interface FrameRecord {
  kind: 'frame';
  frame: unknown;
}
export type ContractRecord = AnswerRecord | FrameRecord;

const file = () => {
  const dir = process.env.API_CONTRACT_LOG;
  return dir ? join(dir, `${process.pid}.jsonl`) : undefined;
};

/** Appends one record when the contract log is on; never throws into a test. */
export function record(r: ContractRecord): void {
  const f = file();
  if (!f) return;
  try {
    appendFileSync(f, `${JSON.stringify(r)}\n`);
  } catch {
    /* the folder is gone (the run is ending) */
  }
}

export function recordAnswer(method: string, url: string, status: number, text: string): void {
  if (!process.env.API_CONTRACT_LOG) return;
  const path = new URL(url).pathname;
  // The offline stack's own helpers are not the API.
  if (path.startsWith('/_local/') || path === '/' || path.startsWith('/demo') || path.startsWith('/docs')) return;
  let body: unknown;
  let raw: boolean;
  try {
    body = text ? JSON.parse(text) : undefined;
    raw = !text;
  } catch {
    raw = true;
  }
  record({ kind: 'http', method: method.toUpperCase(), path, status, body, ...(raw ? { raw } : {}) });
}

export function readRecords(dir: string): ContractRecord[] {
  const out: ContractRecord[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line) out.push(JSON.parse(line) as ContractRecord);
  }
  return out;
}

type Json = Record<string, any>;

interface Operation {
  template: string;
  match: RegExp;
  method: string;
  /** 'text': documented as a page (text/html), its body is not JSON and not checked. */
  statuses: Map<string, ValidateFunction | null | 'text'>;
}

export interface ContractReport {
  checked: number;
  violations: string[];
  serverErrors: number;
  /** Answers on paths/methods the API does not have. */
  offApi: number;
  unknownFrameTypes: Record<string, number>;
}

function pathRegex(template: string): RegExp {
  const re = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part === '{proxy}' ? '.+' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`);
}

/** The schema with every `#/components/schemas/…` reference replaced by what it names. */
function inline(schema: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, components));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) return inline(components[ref.slice('#/components/schemas/'.length)], components);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, components)]));
}

export function contractChecker(openapi: Json, asyncapi: Json) {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const components = openapi.components.schemas as Record<string, unknown>;
  const errorSchema = ajv.compile(inline(components.Error, components) as Json);
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(openapi.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const statuses = new Map<string, ValidateFunction | null | 'text'>();
      for (const [status, resp] of Object.entries<Json>(op.responses ?? {})) {
        const schema = resp.content?.['application/json']?.schema;
        const page = !schema && Object.keys(resp.content ?? {}).some((t) => t.startsWith('text/'));
        statuses.set(status, schema ? ajv.compile(inline(schema, components) as Json) : page ? 'text' : null);
      }
      ops.push({ template, match: pathRegex(template), method: method.toUpperCase(), statuses });
    }
  }
  // Literal paths before templated ones, as API Gateway picks the most specific route.
  ops.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  const ajv7 = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const frames = new Map<string, ValidateFunction>();
  for (const [name, m] of Object.entries<Json>(asyncapi.components.messages)) {
    if (name.startsWith('frame.')) frames.set(name.slice('frame.'.length), ajv7.compile(m.payload));
  }
  const why = (v: ValidateFunction) =>
    (v.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ');

  return function check(records: readonly ContractRecord[]): ContractReport {
    const report: ContractReport = { checked: 0, violations: [], serverErrors: 0, offApi: 0, unknownFrameTypes: {} };
    const seen = new Set<string>();
    const violation = (key: string, text: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      report.violations.push(text);
    };
    for (const r of records) {
      if (r.kind === 'frame') {
        const type = (r.frame as { type?: unknown } | null)?.type;
        const v = typeof type === 'string' ? frames.get(type) : undefined;
        if (!v) {
          const t = typeof type === 'string' ? type : '(no type)';
          report.unknownFrameTypes[t] = (report.unknownFrameTypes[t] ?? 0) + 1;
          continue;
        }
        report.checked++;
        if (!v(r.frame)) violation(`frame ${String(type)} ${why(v)}`, `frame "${String(type)}": ${why(v)} — ${JSON.stringify(r.frame).slice(0, 300)}`);
        continue;
      }
      if (r.status >= 500) {
        report.serverErrors++;
        continue;
      }
      const op = ops.find((o) => o.method === r.method && o.match.test(r.path));
      if (!op) {
        report.offApi++;
        if (r.status >= 400 && !r.raw && !errorSchema(r.body)) violation(`off ${r.status}`, `${r.method} ${r.path} → ${r.status}: not the error shape — ${JSON.stringify(r.body).slice(0, 300)}`);
        continue;
      }
      report.checked++;
      const route = `${r.method} ${op.template}`;
      if (!op.statuses.has(String(r.status))) {
        violation(`${route} ${r.status}`, `${route} answered ${r.status}, which docs/openapi.json does not list (lambdas/edge/answers.ts)`);
        continue;
      }
      const v = op.statuses.get(String(r.status));
      if (v === 'text') continue;
      if (!v) {
        // Documented without a body (204): an answer with one breaks that.
        if (!r.raw && r.body !== undefined) violation(`${route} ${r.status} body`, `${route} → ${r.status} has a body; the document says none`);
        continue;
      }
      if (r.raw) {
        violation(`${route} ${r.status} raw`, `${route} → ${r.status}: the body is not JSON`);
        continue;
      }
      if (!v(r.body)) violation(`${route} ${r.status} ${why(v)}`, `${route} → ${r.status}: ${why(v)} — ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    return report;
  };
}

export function checkContractLog(dir: string, docsDir: string): ContractReport {
  const openapi = JSON.parse(readFileSync(join(docsDir, 'openapi.json'), 'utf8')) as Json;
  const asyncapi = JSON.parse(readFileSync(join(docsDir, 'asyncapi.json'), 'utf8')) as Json;
  return contractChecker(openapi, asyncapi)(readRecords(dir));
}

export function formatContractReport(r: ContractReport): string {
  const unknown = Object.entries(r.unknownFrameTypes).map(([t, n]) => `${t} ×${n}`);
  return [
    `API contract: ${r.checked} answers and frames checked against docs/openapi.json and docs/asyncapi.json, ${r.violations.length} not as documented` +
      ` (${r.offApi} on paths the API does not have, ${r.serverErrors} 5xx not checked${unknown.length ? `; frames of undocumented types: ${unknown.join(', ')}` : ''})`,
    ...r.violations.map((v) => `  - ${v}`),
  ].join('\n');
}
