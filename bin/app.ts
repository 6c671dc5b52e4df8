/**
 * The CDK app: builds the console, then the stack, with the cdk-nag AwsSolutions checks (any
 * unacknowledged error fails the synth).
 *
 * Context (all optional): `stackName` (default AgentChatNotifications), `retainData` ('false' lets
 * `cdk destroy` remove the table and user pool of a throw-away stack).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildWeb } from '../web/build.js';
import { AgentChatStack } from '../lib/stack.js';

const app = new App();
const consoleAssetsDir = join(app.outdir, 'console-build');
// A fresh build each synth: a file left from an earlier build would be deployed too.
rmSync(consoleAssetsDir, { recursive: true, force: true });
await buildWeb(consoleAssetsDir);

const context = (key: string): unknown => app.node.tryGetContext(key);
new AgentChatStack(app, String(context('stackName') ?? 'AgentChatNotifications'), {
  consoleAssetsDir,
  retainData: String(context('retainData') ?? 'true') !== 'false',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Agent chat notifications: desktop (WebSocket), mobile (SNS) and email (SES) alerts for new visitor messages',
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
