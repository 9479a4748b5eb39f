export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("haitang flash: not implemented yet\n");
  return 2;
}
