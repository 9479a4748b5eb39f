export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("haitang sim: not implemented yet\n");
  return 2;
}
