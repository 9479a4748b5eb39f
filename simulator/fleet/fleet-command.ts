/**
 * `haitang sim fleet`: many devices against a running gateway in real time.
 * Not built yet: it says so and exits 2 rather than pretending to run.
 */
export async function fleetCommand(_argv: string[]): Promise<number> {
  process.stderr.write(
    "haitang sim fleet: not implemented yet (use `haitang sim run` with a scenario for now)\n",
  );
  return 2;
}
