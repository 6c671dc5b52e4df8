/** DynamoDB error classification, by name so it works across SDK module copies. */
export function isConditionalFailure(e: unknown): boolean {
  const name = (e as { name?: string } | undefined)?.name;
  if (name === 'ConditionalCheckFailedException') return true;
  if (name === 'TransactionCanceledException') {
    const reasons = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return false;
}

/** A transaction that lost a race with another writer on the same item: worth retrying. */
export function isTransactionConflict(e: unknown): boolean {
  const name = (e as { name?: string } | undefined)?.name;
  if (name === 'TransactionConflictException') return true;
  if (name === 'TransactionCanceledException') {
    const reasons = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'TransactionConflict');
  }
  return false;
}

/** Which items of a cancelled transaction failed their condition (by position). */
export function cancelledIndexes(e: unknown): number[] {
  const reasons = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
}

/**
 * A conditional write whose failed condition is an answer, not an error: true when it was written,
 * false when the condition kept it from being written. Other errors pass on.
 */
export async function writtenIf(send: Promise<unknown>): Promise<boolean> {
  try {
    await send;
    return true;
  } catch (e) {
    if (isConditionalFailure(e)) return false;
    throw e;
  }
}
