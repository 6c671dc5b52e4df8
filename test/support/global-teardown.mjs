import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/**
 * Least privilege over the whole run: every AWS call a handler made in any offline stack of this
 * run (the recorder's log, see global-setup.mjs) must be allowed by that function's synthesized
 * policy. "Every grant used" needs every path exercised, so it is checked only when the whole
 * suite ran (no file or name filter, and not IAM_CHECK_UNUSED=0) or IAM_CHECK_UNUSED=1; test/e2e/least-privilege.test.ts
 * checks both halves on every run of its own tour.
 */
export default async function globalTeardown(globalConfig) {
  await globalThis.__DDB__?.stop();
  // Both checks run (and report) even when the first fails.
  const failures = [];
  for (const check of [() => checkAwsCalls(globalConfig), checkApiContract]) {
    try {
      await check();
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new Error(failures.map((e) => e.message).join('\n'));
}

/** Every HTTP answer and server frame the suites received, against the API documents (support/contract.ts). */
async function checkApiContract() {
  const dir = process.env.API_CONTRACT_LOG;
  if (!dir) return;
  try {
    const { checkContractLog, formatContractReport } = await tsImport('./contract.ts', import.meta.url);
    const report = checkContractLog(dir, fileURLToPath(new URL('../../docs/', import.meta.url)));
    if (report.checked === 0 && report.offApi === 0) return;
    console.log(`\n${formatContractReport(report)}`);
    if (report.violations.length) {
      throw new Error(
        `API contract: ${report.violations.length} answer(s) or frame(s) not as docs/openapi.json / docs/asyncapi.json say — see the report above; fix the code or lambdas/edge/answers.ts, then npm run docs`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function checkAwsCalls(globalConfig) {
  const dir = process.env.AWS_CALL_LOG;
  if (!dir) return;
  try {
    const { checkCalls, formatReport, readCalls } = await tsImport('./iam-check.ts', import.meta.url);
    const calls = readCalls(dir);
    if (calls.length === 0) return;
    // IAM_CHECK_UNUSED=0: a run that leaves files out by ignore pattern (npm test's first run)
    // looks whole to the checks below but is not.
    const whole =
      process.env.IAM_CHECK_UNUSED === '1' ||
      (process.env.IAM_CHECK_UNUSED !== '0' &&
        (globalConfig?.nonFlagArgs ?? []).length === 0 &&
        (globalConfig?.testPathPatterns?.patterns ?? []).length === 0 &&
        !globalConfig?.testNamePattern &&
        !globalConfig?.onlyChanged &&
        !globalConfig?.findRelatedTests &&
        !globalConfig?.shard);
    const report = await checkCalls(calls, { unused: whole });
    console.log(`\n${formatReport(report, whole)}`);
    if (report.denied.length || report.unused.length) {
      throw new Error(
        `least privilege: ${report.denied.length} recorded AWS call(s) not allowed by their function's policy, ${report.unused.length} grant(s) unused — see the report above; fix the grants in lib/routes.ts`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
