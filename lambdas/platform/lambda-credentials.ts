/**
 * Stand-in for `@aws-sdk/credential-provider-node` in Lambda bundles (lib/bundling.ts aliases it).
 * Lambda always hands a function its role's credentials in environment variables, so the default
 * chain's SSO, INI, process, web-identity and IMDS providers — and the STS/SSO clients they pull in,
 * about 100 KB minified — are dead weight there. Locally the real chain is used (no alias).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type EnvInit = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init?: EnvInit) => fromEnv(init);

// The real module exports these too; the SDK's runtime configs only import defaultProvider.
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
