/**
 * Calling the real Lambda handlers in this process, the way the Lambda runtime would: the module
 * named by the route table, a Lambda-like context, and every invocation isolated from the caller
 * (a throw is the handler's failure, reported to the caller, never a crash of the gateway).
 */
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { asFunction } from '../lambdas/platform/call-log.js';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LoadedHandler {
  /** The route table's handler name, e.g. `http/post-message`. */
  name: string;
  invoke(event: unknown): Promise<unknown>;
}

/** Lambda's default timeout for these functions; only `getRemainingTimeInMillis` reads it. */
const TIMEOUT_MS = 30_000;

export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + TIMEOUT_MS;
  const fail = () => {
    throw new Error('callback-style completion is not supported: handlers are async');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

function functionNameOf(handler: string): string {
  return `agent-chat-local-${handler.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/**
 * Import a handler module. The environment must already point at the local services: the modules
 * read config lazily, but some SDK defaults are read at import time.
 */
export async function loadHandler(name: string): Promise<LoadedHandler> {
  // A relative `.js` specifier: tsx and jest both map it to the TypeScript source.
  const mod = (await import(`../lambdas/handlers/${name}.js`)) as { handler?: Handler };
  const fn = mod.handler;
  if (typeof fn !== 'function') throw new Error(`lambdas/handlers/${name}.ts does not export a handler`);
  const functionName = functionNameOf(name);
  // asFunction: the AWS call recorder (AWS_CALL_LOG) attributes this invocation's calls to `name`.
  return { name, invoke: (event) => asFunction(name, () => fn(event, lambdaContext(functionName))) };
}

/**
 * Import a handler from a module path (absolute, or a file URL) instead of lambdas/handlers/: the
 * tests' own consumers (test/support/). `name` is what its calls are attributed to.
 */
export async function loadHandlerFrom(modulePath: string, name: string): Promise<LoadedHandler> {
  const specifier = modulePath.startsWith('file:') ? modulePath : pathToFileURL(modulePath).href;
  const mod = (await import(specifier)) as { handler?: Handler };
  const fn = mod.handler;
  if (typeof fn !== 'function') throw new Error(`${modulePath} does not export a handler`);
  const functionName = functionNameOf(name);
  return { name, invoke: (event) => asFunction(name, () => fn(event, lambdaContext(functionName))) };
}

/** A short random id in the style of API Gateway's request ids. */
export function requestId(): string {
  return randomUUID();
}
