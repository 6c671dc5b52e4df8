/**
 * The agent console and visitor demo on AWS: a private S3 bucket behind CloudFront (origin access
 * control), the built files deployed with a `config.json` that tells the page where the APIs and
 * the sign-in are (values known only at deploy time, so not baked into the bundle).
 */
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledge, wildcardFinding } from './nag.js';

/**
 * Pages are `.html` files served without the extension (`/demo` → `/demo.html`); a path whose last
 * segment has a dot is a file. CloudFront's default root object covers `/`.
 */
const PAGE_REWRITE = `function handler(event) {
  var r = event.request;
  var last = r.uri.split('/').pop();
  if (last !== '' && last.indexOf('.') === -1) r.uri += '.html';
  return r;
}`;

export interface WebConsoleProps {
  /** A directory holding the built console (index.html at its root). */
  assetsDir: string;
}

export class WebConsole extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  private deployment?: s3deploy.BucketDeployment;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WebConsoleProps,
  ) {
    super(scope, id);

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // CloudFront standard logs are delivered with an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(this.logBucket, 'S1', 'This is the access-log bucket of the console bucket and distribution; logging it into itself would loop.');

    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'site/',
    });

    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: 'Agent chat console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'PageRewrite', {
              code: cloudfront.FunctionCode.fromInline(PAGE_REWRITE),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
            }),
          },
        ],
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cdn/',
    });
    acknowledge(this.distribution, 'CFR1', 'The console is for support agents wherever they work; access is controlled by sign-in, not by country.');
    acknowledge(this.distribution, 'CFR2', 'Static files only; the APIs it calls check tokens and are throttled at their API Gateway stages.');
    acknowledge(
      this.distribution,
      'CFR4',
      'Served on the default *.cloudfront.net certificate, whose security policy CloudFront fixes; a custom domain with its own certificate and minimumProtocolVersion TLSv1.2_2021 removes this.',
    );
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * The console's response headers: the managed security headers plus a Content-Security-Policy
   * whose connect-src names only what the console calls (its own origin, the HTTP API, the
   * WebSocket API, the issuer's discovery document and the token endpoint), no framing, and HSTS.
   * Called once the API URLs exist (the distribution is created before them).
   */
  allowConnections(urls: { apiUrl: string; wsUrl: string; issuer: string; tokenEndpoint: string }): cloudfront.ResponseHeadersPolicy {
    // scheme://host of a URL token ('wss://id.execute-api.…/live' → 'wss://id.execute-api.…').
    const origin = (url: string) => {
      const parts = Fn.split('/', url);
      return Fn.join('', [Fn.select(0, parts), '//', Fn.select(2, parts)]);
    };
    // Both APIs named exactly. (This once had to be the region's execute-api wildcard for the HTTP
    // API: its CORS configuration named this distribution, a cycle Cdn → Headers → HttpApi → Cdn.
    // CORS is now answered per route by the handlers, so the API resource has no such edge.)
    const csp = Fn.join(' ', [
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none';",
      "connect-src 'self'",
      origin(urls.apiUrl),
      origin(urls.wsUrl),
      origin(urls.issuer),
      Fn.join('', [origin(urls.tokenEndpoint), ';']),
    ]);
    const policy = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: "Agent console: CSP (connect-src: this stack's APIs and sign-in only), no framing, HSTS",
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });
    const cfn = this.distribution.node.defaultChild as cloudfront.CfnDistribution;
    cfn.addPropertyOverride('DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId', policy.responseHeadersPolicyId);
    return policy;
  }

  /** Upload the built files and `config.json`. Called once the API URLs exist. */
  deploy(runtimeConfig: Record<string, unknown>): s3deploy.BucketDeployment {
    if (this.deployment) throw new Error('the console is deployed once');
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [s3deploy.Source.asset(this.props.assetsDir), s3deploy.Source.jsonData('config.json', runtimeConfig)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // Files keep their names between builds; browsers must revalidate to see a new build.
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 256,
    });
    this.acknowledgeDeploymentHandler(this.deployment);
    return this.deployment;
  }

  /**
   * The deployment's handler is CDK's own singleton function: its managed policy, runtime and
   * wildcards (asset bucket, `/*` of the console bucket, invalidations) are CDK's design. Its
   * wildcard findings are read from the policy it was actually given, so each is named exactly.
   */
  private acknowledgeDeploymentHandler(d: s3deploy.BucketDeployment): void {
    const reason = 'CDK BucketDeployment handler (CDK-managed singleton): copies the console files from the CDK asset bucket to the console bucket and invalidates the distribution.';
    const role = d.handlerRole;
    acknowledge(role, 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason);
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (!(policy instanceof iam.Policy)) throw new Error('BucketDeployment role has no default policy');
    const doc = Stack.of(this).resolve(policy.document.toJSON()) as { Statement: { Action: string | string[]; Resource: unknown }[] };
    for (const st of doc.Statement) {
      for (const action of [st.Action].flat()) if (action.includes('*')) acknowledge(role, `IAM5[Action::${action}]`, reason);
      for (const resource of [st.Resource].flat()) {
        const finding = wildcardFinding(role, resource);
        if (finding) acknowledge(role, finding, reason);
      }
    }
    const fn = role.node.scope;
    if (fn) acknowledge(fn, 'L1', `${reason} Its runtime is chosen by aws-cdk-lib.`);
  }
}
