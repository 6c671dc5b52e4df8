/**
 * One Lambda entry point from the route table: its bundle, its log group, its role with only the
 * grants its entry lists, and the shared environment.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Grant } from '../routes.js';
import { BUNDLING as SHARED_BUNDLING, handlerEntry } from '../bundling.js';
import { applyGrants, type GrantTargets } from './grants.js';
import { acknowledgeWildcards } from './nag.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The shared bundling settings (lib/bundling.ts, which the bundle benchmark also reads). Source
 * contents stay out of the maps: stack traces need only the mappings, and Node parses the whole
 * map at start-up under --enable-source-maps.
 */
const BUNDLING = { ...SHARED_BUNDLING, format: OutputFormat.ESM, externalModules: [...SHARED_BUNDLING.externalModules], mainFields: [...SHARED_BUNDLING.mainFields], sourcesContent: false };

export interface HandlerFunctionProps {
  /** A handler name from lib/routes.ts, e.g. 'http/post-message'. */
  handler: string;
  grants: readonly Grant[];
  targets: GrantTargets;
  environment: Record<string, string>;
  description?: string;
  memorySize?: number;
  timeout?: Duration;
  /** Reserved concurrency (a cap and a guarantee); unset: the account's unreserved pool. */
  reservedConcurrentExecutions?: number;
}

export class HandlerFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });

    // An own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole (logs on every log group); this one writes only its own group.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);
    applyGrants(this.role, props.grants, props.targets);

    this.fn = new NodejsFunction(this, 'Fn', {
      entry: handlerEntry(props.handler),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      description: props.description ?? props.handler,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: BUNDLING,
      // SPEC §12: X-Ray active tracing on every function (Powertools Tracer adds the SDK calls, lambdas/platform/tracer.ts).
      tracing: lambda.Tracing.ACTIVE,
    });
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords on `*` to the role:
    // X-Ray has no resource-level permissions for them
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).
    acknowledgeWildcards(this.role, ['*'], 'X-Ray trace upload (PutTraceSegments, PutTelemetryRecords) has no resource-level permissions');
  }
}
