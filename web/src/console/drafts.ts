/**
 * Reply drafts, per conversation, in localStorage: a draft survives a reload, a token that had to
 * be replaced, and a trip through the sign-in page (SPEC §13: "back to the sign-in page with the
 * draft kept"). Cleared when the reply is sent.
 */
const key = (conversationId: string) => `agentConsole.draft.${conversationId}`;

export function loadDraft(conversationId: string): string {
  return localStorage.getItem(key(conversationId)) ?? '';
}

export function saveDraft(conversationId: string, text: string): void {
  if (text) localStorage.setItem(key(conversationId), text);
  else localStorage.removeItem(key(conversationId));
}
