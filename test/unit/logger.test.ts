import { scrub } from '../../lambdas/platform/logger.js';

test('error messages lose addresses and JWT-shaped strings before they are logged', () => {
  const m = scrub('Email address is not verified. The following identities failed the check: agent.z@example.com, x@ex.org');
  expect(m).not.toMatch(/@/);
  expect(m).toContain('[email]');
  const t = scrub('bad token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbXkifQ.c2ln given');
  expect(t).toBe('bad token [token] given');
  expect(scrub('x'.repeat(1000))).toHaveLength(300);
  expect(scrub(undefined)).toBeUndefined();
});
