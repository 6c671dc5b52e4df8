export default async function globalTeardown() {
  await globalThis.__DDB__?.stop();
}
