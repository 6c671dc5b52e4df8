/**
 * The stack's deploy-time parameters (documented in lib/PARAMETERS.md). Every one has a default or
 * may be left empty, so `cdk synth` runs offline with no arguments; an empty value means "use the
 * stack's own resource" (Cognito pool, CloudFront URL) or "this platform is not configured".
 */
import { Aws, CfnCondition, CfnParameter, CfnWaitCondition, CfnWaitConditionHandle, Fn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PLATFORMS, type Platform } from '../../lambdas/domain/push.js';

const PLATFORM_PARAM: Record<Platform, string> = {
  APNS: 'PlatformAppArnApns',
  APNS_SANDBOX: 'PlatformAppArnApnsSandbox',
  GCM: 'PlatformAppArnGcm',
};

export interface PlatformApp {
  platform: Platform;
  /** The parameter's value: the platform application ARN, or ''. */
  arn: string;
  configured: CfnCondition;
}

export class StackParameters extends Construct {
  readonly oidcIssuer: CfnParameter;
  readonly oidcAudience: CfnParameter;
  readonly oidcJwksUrl: CfnParameter;
  readonly workspaceClaim: CfnParameter;
  readonly roleClaim: CfnParameter;
  readonly emailFrom: CfnParameter;
  readonly consoleOrigin: CfnParameter;
  readonly alarmEmail: CfnParameter;
  readonly agentInactiveDays: CfnParameter;
  readonly visitorConcurrency: CfnParameter;
  readonly reminderMinAgeSeconds: CfnParameter;
  readonly sesMaxSendRate: CfnParameter;
  readonly platformApps: PlatformApp[];
  /** True when OidcIssuer is empty: agents sign in with the stack's Cognito user pool. */
  readonly useCognito: CfnCondition;
  readonly consoleOriginGiven: CfnCondition;
  readonly alarmEmailGiven: CfnCondition;
  readonly workspaceClaimGiven: CfnCondition;
  readonly roleClaimGiven: CfnCondition;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Parameters are created on the stack (not under this construct) so their names are exactly
    // the documented ones: `--parameters OidcIssuer=...`.
    const stack = scope;
    const param = (name: string, props: ConstructorParameters<typeof CfnParameter>[2]) => {
      const p = new CfnParameter(stack, name, props);
      p.overrideLogicalId(name);
      return p;
    };

    this.oidcIssuer = param('OidcIssuer', {
      type: 'String',
      default: '',
      description: 'OIDC issuer URL of agent tokens. Empty: the Cognito user pool this stack creates.',
      allowedPattern: '^$|^https://\\S+$',
    });
    this.oidcAudience = param('OidcAudience', {
      type: 'String',
      default: '',
      description: 'Expected aud claim (and the console client id) with an external issuer. Empty: the stack Cognito app client.',
    });
    this.oidcJwksUrl = param('OidcJwksUrl', {
      type: 'String',
      default: '',
      description: 'JWKS URL of the issuer. Empty: {issuer}/.well-known/jwks.json.',
      allowedPattern: '^$|^https://\\S+$',
    });
    this.workspaceClaim = param('WorkspaceClaim', {
      type: 'String',
      default: '',
      description: 'Token claim naming the agent workspace. Empty: custom:workspace_id with the stack Cognito pool, workspace_id otherwise.',
    });
    this.roleClaim = param('RoleClaim', {
      type: 'String',
      default: '',
      description: 'Token claim whose value admin makes the agent a workspace administrator. Empty: custom:role (the stack Cognito pool role attribute).',
    });
    this.emailFrom = param('EmailFrom', {
      type: 'String',
      description: 'From-address of reminder emails: an SES-verified address (or an address of a verified domain).',
      allowedPattern: '^[^@\\s<>]+@[^@\\s<>]+$',
    });
    // Named Origin, not Url: it must be scheme and host only (CORS compares origins), and the
    // ConsoleUrl name belongs to the output that reports the effective value.
    this.consoleOrigin = param('ConsoleOrigin', {
      type: 'String',
      default: '',
      description: 'Origin of the agent console (email links, CORS, sign-in redirect): https://host, no path or trailing slash (http only for localhost or 127.0.0.1). Empty: the CloudFront URL.',
      // Browsers send a secure context's Origin; a plain-http console on a public host would be
      // refused by the CSP/HSTS of the API's clients and leaks tokens on the wire.
      allowedPattern: '^$|^https://[^/\\s]+$|^http://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?$',
      constraintDescription: 'must be https://host (no path, no trailing slash); http:// only for localhost or 127.0.0.1',
    });
    this.visitorConcurrency = param('VisitorConcurrency', {
      type: 'Number',
      default: 20,
      minValue: 1,
      description:
        'Reserved concurrency of the anonymous create-conversation function: a flood of new conversations cannot take the account concurrency the agent routes need. Lambda refuses a reservation that leaves fewer than 10 unreserved (accounts with a low quota: lower this).',
    });
    this.alarmEmail = param('AlarmEmail', {
      type: 'String',
      default: '',
      description: 'Address subscribed to the alarm topic. Empty: no subscription.',
    });

    this.agentInactiveDays = param('AgentInactiveDays', {
      type: 'Number',
      default: 30,
      minValue: 0,
      maxValue: 3650,
      description: 'An agent who has not used the API or the WebSocket for this many days gets no pushes and no emails until they sign in again. 0: never.',
    });

    this.reminderMinAgeSeconds = param('ReminderMinAgeSeconds', {
      type: 'Number',
      default: 60,
      minValue: 0,
      maxValue: 3600,
      description: 'SPEC 4: only visitor messages at least this old count at a reminder check; a younger one waits for the next check (and stays owed).',
    });
    this.sesMaxSendRate = param('SesMaxSendRate', {
      type: 'Number',
      default: 14,
      minValue: 1,
      description: "The account's SES maximum send rate (emails per second). The reminder's workers pace their sends to share it.",
    });

    this.platformApps = PLATFORMS.map((platform) => {
      const p = param(PLATFORM_PARAM[platform], {
        type: 'String',
        default: '',
        description: `SNS platform application ARN for ${platform} devices. Empty: ${platform} registration is refused.`,
        allowedPattern: '^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:app/[A-Z_]+/\\S+$',
      });
      const configured = this.notEmpty(`${platform}Configured`, p);
      this.refuseOtherRegion(platform, p, configured);
      return { platform, arn: p.valueAsString, configured };
    });

    this.useCognito = new CfnCondition(this, 'UseCognito', {
      expression: Fn.conditionEquals(this.oidcIssuer.valueAsString, ''),
    });
    this.consoleOriginGiven = this.notEmpty('ConsoleOriginGiven', this.consoleOrigin);
    this.alarmEmailGiven = this.notEmpty('AlarmEmailGiven', this.alarmEmail);
    this.workspaceClaimGiven = this.notEmpty('WorkspaceClaimGiven', this.workspaceClaim);
    this.roleClaimGiven = this.notEmpty('RoleClaimGiven', this.roleClaim);
  }

  /**
   * An SNS platform application of another region cannot be used (endpoints live in the
   * application's region, the functions' SNS client is the stack's). CloudFormation's Rules
   * offer no substring test, so the check is a Condition (Split/Select on the ARN) and a wait
   * condition that nobody signals, created only when the region differs: the deployment fails on
   * the resource named for the parameter after its one-second timeout and rolls back (nothing
   * makes the other resources wait for it: they may be created meanwhile, and the rollback removes them).
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-rules.html
   */
  private refuseOtherRegion(platform: Platform, p: CfnParameter, configured: CfnCondition): void {
    const region = Fn.select(3, Fn.split(':', Fn.join('', [p.valueAsString, '::::'])));
    const wrong = new CfnCondition(this, `${platform}OtherRegion`, {
      expression: Fn.conditionAnd(configured, Fn.conditionNot(Fn.conditionEquals(region, Aws.REGION))),
    });
    const handle = new CfnWaitConditionHandle(this, `${PLATFORM_PARAM[platform]}RegionHandle`);
    handle.cfnOptions.condition = wrong;
    const refuse = new CfnWaitCondition(this, `${PLATFORM_PARAM[platform]}MustBeInTheStackRegion`, { handle: handle.ref, timeout: '1', count: 1 });
    refuse.cfnOptions.condition = wrong;
    refuse.overrideLogicalId(`${PLATFORM_PARAM[platform]}MustBeInTheStackRegion`);
  }

  /** True when the parameter was given a value (every optional one defaults to ''). */
  private notEmpty(id: string, p: CfnParameter): CfnCondition {
    return new CfnCondition(this, id, { expression: Fn.conditionNot(Fn.conditionEquals(p.valueAsString, '')) });
  }
}

/** `Fn::If` as a string token. */
export function ifElse(condition: CfnCondition, whenTrue: string, whenFalse: string): string {
  return Fn.conditionIf(condition.logicalId, whenTrue, whenFalse).toString();
}
