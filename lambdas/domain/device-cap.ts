/** SPEC §10.3: at most 10 devices per agent; registering an 11th removes the least recently registered. */
export const MAX_DEVICES_PER_AGENT = 10;

/**
 * Which of an agent's devices go when `adding` is registered: all but the `max - 1` most recently
 * registered others, so `adding` and those remain. Re-registering a device already held keeps the
 * count; more than `max` (left by two registrations at once) comes back down to `max`.
 */
export function devicesToEvict<T extends { deviceId: string; registeredAt: string }>(devices: readonly T[], adding: string, max = MAX_DEVICES_PER_AGENT): T[] {
  const others = devices.filter((d) => d.deviceId !== adding).sort((a, b) => (a.registeredAt === b.registeredAt ? a.deviceId.localeCompare(b.deviceId) : a.registeredAt < b.registeredAt ? 1 : -1));
  return others.slice(Math.max(0, max - 1));
}
