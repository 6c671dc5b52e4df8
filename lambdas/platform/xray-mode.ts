/**
 * The X-Ray SDK that the Powertools Tracer loads starts in "automatic mode" unless
 * AWS_XRAY_MANUAL_MODE is set: it creates a cls-hooked namespace, that is an async_hooks hook with a
 * destroy callback on every promise the process makes. Where the tracer is off (outside Lambda —
 * the offline stack and tests have no AWS_EXECUTION_ENV — or POWERTOOLS_TRACE_ENABLED=false) that
 * hook traces nothing and only costs: it was about a quarter of the offline fan-out's time to 1,000
 * sockets (BENCHMARKS.md, "Where the time goes"). There the SDK starts in manual mode; a deployed
 * function with tracing on is unchanged. platform/tracer.ts imports this before the tracer (ESM
 * evaluates imports in order); the tracer's middy middleware does not load the X-Ray SDK itself.
 */
const tracingOff = !process.env.AWS_EXECUTION_ENV || process.env.POWERTOOLS_TRACE_ENABLED === 'false';
if (tracingOff) process.env.AWS_XRAY_MANUAL_MODE ??= 'true';

export {};
