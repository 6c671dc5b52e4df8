/**
 * X-Ray tracing (SPEC §12; Powertools Tracer). Every function runs with active tracing (the stack's
 * HandlerFunction); the tracer adds a subsegment per AWS SDK call of the clients made in
 * platform/clients.ts and, through the middy stacks (edge/http.ts, edge/ws.ts), the handler's own
 * subsegment with the cold start annotation. Outside Lambda (the offline stack, tests) the tracer
 * turns itself off (it needs AWS_EXECUTION_ENV; local/stack.ts also sets POWERTOOLS_TRACE_ENABLED=false)
 * and hands the clients back untouched.
 */
import './xray-mode.js';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './metric-names.js';

export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** The client, traced when tracing is on. */
export function traced<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}
