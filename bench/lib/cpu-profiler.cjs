/**
 * Loaded into the app server with `--require` by `npm run bench -- --profile`
 * (`--cpu-prof` is not allowed in NODE_OPTIONS): runs V8's CPU profiler from
 * start-up to exit and writes the profile into SEQUENT_BENCH_PROFILE_DIR. A
 * standalone preload, so it reads its one setting from the environment itself.
 */
const inspector = require("node:inspector");
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.SEQUENT_BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  // A same-thread inspector session answers synchronously, so this works in 'exit'.
  process.on("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (error) return;
      const file = path.join(dir, `server-${process.pid}-${Date.now()}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
