export async function fleetCommand(_argv: string[]): Promise<number> {
  return 2;
}
