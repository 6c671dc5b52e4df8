/**
 * An offline stack for a benchmark on its own free ports, beside a DynamoDB Local the caller
 * started: no schedule, no console build, and the options each benchmark sets itself.
 */
import { startOfflineStack, type OfflineStack, type OfflineStackOptions } from '../local/stack.js';
import { onFreePorts } from '../local/free-port.js';

type Ports = 'httpPort' | 'wsPort' | 'snsPort' | 'sesPort' | 'sqsPort';

export function startBenchStack(dynamoEndpoint: string, opts: Omit<Partial<OfflineStackOptions>, Ports | 'dynamoEndpoint'>): Promise<OfflineStack> {
  return onFreePorts(5, ([httpPort, wsPort, snsPort, sesPort, sqsPort]) =>
    startOfflineStack({ httpPort, wsPort, snsPort, sesPort, sqsPort, dynamoEndpoint, reminderIntervalS: 0, web: false, ...opts }),
  );
}
