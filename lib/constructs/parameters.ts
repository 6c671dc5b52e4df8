/**
 * The stack's deploy-time parameters (documented in lib/PARAMETERS.md). Every one has a default or
 * may be left empty, so `cdk synth` runs offline with no arguments; an empty value means "use the
 * stack's own resource" (Cognito pool, CloudFront URL) or "this platform is not configured".
 */
import { CfnCondition, CfnParameter, Fn } from 'aws-cdk-lib';
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
  readonly emailFrom: CfnParameter;
  readonly consoleOrigin: CfnParameter;
  readonly alarmEmail: CfnParameter;
  readonly agentInactiveDays: CfnParameter;
  readonly platformApps: PlatformApp[];
  /** True when OidcIssuer is empty: agents sign in with the stack's Cognito user pool. */
  readonly useCognito: CfnCondition;
  readonly consoleOriginGiven: CfnCondition;
  readonly alarmEmailGiven: CfnCondition;
  readonly workspaceClaimGiven: CfnCondition;

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
      description: 'Origin of the agent console (email links, CORS, sign-in redirect): https://host, no path or trailing slash. Empty: the CloudFront URL.',
      allowedPattern: '^$|^https?://[^/\\s]+$',
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

    this.platformApps = PLATFORMS.map((platform) => {
      const p = param(PLATFORM_PARAM[platform], {
        type: 'String',
        default: '',
        description: `SNS platform application ARN for ${platform} devices. Empty: ${platform} registration is refused.`,
        allowedPattern: '^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:app/[A-Z_]+/\\S+$',
      });
      return { platform, arn: p.valueAsString, configured: this.notEmpty(`${platform}Configured`, p) };
    });

    this.useCognito = new CfnCondition(this, 'UseCognito', {
      expression: Fn.conditionEquals(this.oidcIssuer.valueAsString, ''),
    });
    this.consoleOriginGiven = this.notEmpty('ConsoleOriginGiven', this.consoleOrigin);
    this.alarmEmailGiven = this.notEmpty('AlarmEmailGiven', this.alarmEmail);
    this.workspaceClaimGiven = this.notEmpty('WorkspaceClaimGiven', this.workspaceClaim);
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
