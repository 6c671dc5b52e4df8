/**
 * Agent sign-in. By default the stack's own Cognito user pool issues the agent tokens (its hosted
 * sign-in page, authorization code + PKCE, ID token: aud = the app client, `sub` = agent,
 * `custom:workspace_id` = workspace). With the OidcIssuer parameter set, that issuer is used
 * instead; the pool is still created (it costs nothing unused) so the template has no
 * conditional resources to reason about.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';
import { ifElse, type StackParameters } from './parameters.js';

export const COGNITO_WORKSPACE_CLAIM = 'custom:workspace_id';
/** SPEC §10: the admin role's default claim, a Cognito custom attribute the pool defines. */
export const DEFAULT_ROLE_CLAIM = 'custom:role';

export interface AgentSignInProps {
  params: StackParameters;
  /** Where the hosted sign-in page sends the agent back: the console origin. */
  consoleUrl: string;
  retain: boolean;
}

export class AgentSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** The effective values, Cognito's or the parameters'. */
  readonly issuer: string;
  readonly audience: string;
  readonly workspaceClaim: string;
  readonly roleClaim: string;
  readonly logoutEndpoint: string;
  /** Where the console trades its code for tokens (its CSP allows it): Cognito's hosted domain, or the external issuer. */
  readonly tokenEndpoint: string;

  constructor(scope: Construct, id: string, props: AgentSignInProps) {
    super(scope, id);
    const { params } = props;

    this.userPool = new cognito.UserPool(this, 'Agents', {
      // Agents are invited by an administrator, who sets their workspace; nobody picks their own.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      customAttributes: {
        workspace_id: new cognito.StringAttribute({ minLen: 1, maxLen: 128, mutable: true }),
        // `admin` makes the agent an administrator of their workspace (SPEC §10): set by whoever
        // administers the pool, read into the ID token as `custom:role`.
        role: new cognito.StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
      },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(this.userPool, 'COG8', 'Essentials tier: MFA is required and passwords are strong; the Plus tier (threat protection) is billed per active user and can be switched on per deployment.');

    // The prefix must be unique in the region; the construct address keeps two stacks apart.
    this.domain = this.userPool.addDomain('HostedSignIn', {
      cognitoDomain: { domainPrefix: `agent-chat-${this.node.addr.slice(0, 12)}` },
    });

    const callback = `${props.consoleUrl}/`;
    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [callback],
        logoutUrls: [callback],
      },
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true, fullname: true }).withCustomAttributes('workspace_id', 'role'),
      // Neither the workspace nor the role is writable by the agent: they decide what the agent may read and do.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    const hosted = this.domain.baseUrl();
    // ProviderURL has no scheme; the tokens' `iss` is its https URL.
    this.issuer = ifElse(params.useCognito, `https://${this.userPool.userPoolProviderUrl}`, params.oidcIssuer.valueAsString);
    this.audience = ifElse(params.useCognito, this.client.userPoolClientId, params.oidcAudience.valueAsString);
    this.workspaceClaim = ifElse(params.workspaceClaimGiven, params.workspaceClaim.valueAsString, ifElse(params.useCognito, COGNITO_WORKSPACE_CLAIM, 'workspace_id'));
    this.roleClaim = ifElse(params.roleClaimGiven, params.roleClaim.valueAsString, DEFAULT_ROLE_CLAIM);
    // Cognito's hosted sign-out, which its discovery document does not list; empty otherwise.
    this.logoutEndpoint = ifElse(params.useCognito, `${hosted}/logout`, '');
    this.tokenEndpoint = ifElse(params.useCognito, `${hosted}/oauth2/token`, params.oidcIssuer.valueAsString);
  }
}
