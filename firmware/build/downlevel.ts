/**
 * Stage 2: TypeScript 5.9's `transpileModule` downlevels to ES5 (classes,
 * arrows, let/const, templates, `**`, spread...). Helpers it needs are inlined;
 * the compatibility check rejects the ones that rely on what Espruino lacks
 * (e.g. __spreadArray's Array.prototype.slice) at the construct that needed
 * them. Also used on each source module alone, for checks that name the .ts line.
 */
import type TS from "typescript";

export interface Es5Output {
  code: string;
  /** Source map (v3 JSON) from `code` to the input. */
  map: string;
  /** Syntax errors TypeScript reported, as "file:line:col: message". */
  problems: string[];
}

let tsModule: typeof TS | undefined;

async function typescript(): Promise<typeof TS> {
  if (!tsModule) tsModule = (await import("typescript")).default;
  return tsModule;
}

export async function downlevelToEs5(code: string, fileName: string): Promise<Es5Output> {
  const ts = await typescript();
  const out = ts.transpileModule(code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.CommonJS,
      allowJs: true,
      sourceMap: true,
      removeComments: true,
      importHelpers: false,
      noEmitHelpers: false,
      downlevelIteration: false,
      esModuleInterop: false,
      useDefineForClassFields: false,
      verbatimModuleSyntax: false,
      newLine: ts.NewLineKind.LineFeed,
    },
  });
  const problems = (out.diagnostics ?? []).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file && d.start !== undefined) {
      const pos = d.file.getLineAndCharacterOfPosition(d.start);
      return `${fileName}:${pos.line + 1}:${pos.character + 1}: ${text}`;
    }
    return `${fileName}: ${text}`;
  });
  const code5 = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { code: code5, map: out.sourceMapText ?? "", problems };
}
