import { devicesToEvict, MAX_DEVICES_PER_AGENT } from '../../lambdas/domain/device-cap.js';

const dev = (i: number) => ({ deviceId: `d${String(i).padStart(2, '0')}`, registeredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() });
const ids = (ds: Array<{ deviceId: string }>) => ds.map((d) => d.deviceId).sort();

test('the cap is 10 (SPEC §10.3)', () => expect(MAX_DEVICES_PER_AGENT).toBe(10));

test('below the cap nothing goes; the 11th device removes the least recently registered', () => {
  const nine = Array.from({ length: 9 }, (_, i) => dev(i));
  expect(devicesToEvict(nine, 'new')).toEqual([]);
  const ten = Array.from({ length: 10 }, (_, i) => dev(i));
  expect(ids(devicesToEvict(ten, 'new'))).toEqual(['d00']);
});

test('registering a device already held removes nothing, however recent it was', () => {
  const ten = Array.from({ length: 10 }, (_, i) => dev(i));
  expect(devicesToEvict(ten, 'd00')).toEqual([]);
  expect(devicesToEvict(ten, 'd09')).toEqual([]);
});

test('more than the cap (two registrations at once) comes back down to it', () => {
  const twelve = Array.from({ length: 12 }, (_, i) => dev(i));
  expect(ids(devicesToEvict(twelve, 'new'))).toEqual(['d00', 'd01', 'd02']);
  expect(ids(devicesToEvict(twelve, 'd05'))).toEqual(['d00', 'd01']);
});

test('order is by registration time, not by id or position', () => {
  const ten = Array.from({ length: 10 }, (_, i) => dev(i)).reverse();
  ten[3] = { ...ten[3]!, registeredAt: '2025-01-01T00:00:00.000Z' };
  expect(ids(devicesToEvict(ten, 'new'))).toEqual([ten[3]!.deviceId]);
});
