/** Entry of the child gateway process used by crash tests: the real CLI command. */
import { run } from "../../cli/commands/gateway.js";

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  },
);
