export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("haitang build-firmware: not implemented yet\n");
  return 2;
}
