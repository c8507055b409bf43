/**
 * `npm run bench`: the benchmark report (see docs/performance.md).
 *
 * The benchmark runs its own production build, in `.next-bench` unless
 * SEQUENT_BUILD_DIR says otherwise, so that builds made for other work in the
 * same checkout never replace the one its server is running from. The
 * variable has to be in place before the environment module first reads it,
 * hence this small entry that sets it and then loads the benchmark.
 */
export {};

process.env.SEQUENT_BUILD_DIR ||= ".next-bench";
await import("./main");
