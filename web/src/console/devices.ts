/**
 * Devices registered from this browser session. SPEC §6 has no route that lists an agent's
 * devices, so the console can only show the ones it registered itself; the list is kept per agent
 * in sessionStorage so a reload keeps it.
 */
import type { Device } from '../shared/types.js';

const key = (workspaceId: string, agentId: string) => `agentConsole.devices.${workspaceId}.${agentId}`;

export function knownDevices(workspaceId: string, agentId: string): Device[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(key(workspaceId, agentId)) ?? '[]');
    return Array.isArray(v) ? (v as Device[]) : [];
  } catch {
    return [];
  }
}

export function rememberDevice(workspaceId: string, agentId: string, d: Device): Device[] {
  // Registering the same token again answers the same deviceId: replace, do not duplicate.
  const list = [...knownDevices(workspaceId, agentId).filter((x) => x.deviceId !== d.deviceId), d];
  sessionStorage.setItem(key(workspaceId, agentId), JSON.stringify(list));
  return list;
}

export function forgetDevice(workspaceId: string, agentId: string, deviceId: string): Device[] {
  const list = knownDevices(workspaceId, agentId).filter((x) => x.deviceId !== deviceId);
  sessionStorage.setItem(key(workspaceId, agentId), JSON.stringify(list));
  return list;
}
