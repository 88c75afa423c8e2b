// Reads {"tables": {"Name": [["Column", "type"], ...]}, "queries": ["...", ...]} on stdin and
// prints, per query, the result schema Microsoft's analyzer (Kusto.Language) computes:
// {"columns": [["Name", "type"], ...]} or {"errors": ["...", ...]}. One process for all queries:
// loading the analyzer takes about a second.
const path = require('path');
const dir = path.join(__dirname, 'node_modules', '@kusto', 'language-service-next');
global.Bridge = require(path.join(dir, 'bridge.js'));
require(path.join(dir, 'Kusto.Language.Bridge.js'));
const K = global.Kusto.Language;
const S = K.Symbols;

function globals(tables) {
  const symbols = Object.entries(tables).map(([name, columns]) =>
    new S.TableSymbol.$ctor4(name, columns.map(([c, t]) => new S.ColumnSymbol(c, S.ScalarTypes.GetSymbol(t), null, null, null, null))));
  return K.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.$ctor2('tenantless', null, symbols));
}

function analyze(query, state) {
  const code = K.KustoCode.ParseAndAnalyze(query, state);
  const errors = Bridge.toArray(code.GetDiagnostics()).filter((d) => d.Severity === 'Error').map((d) => d.Message);
  if (errors.length > 0) return { errors };
  const result = code.ResultType;
  if (!result || !result.Columns) return { errors: ['the query has no tabular result'] };
  return { columns: Bridge.toArray(result.Columns).map((c) => [c.Name, c.Type.Name]) };
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const state = globals(request.tables);
  process.stdout.write(JSON.stringify(request.queries.map((q) => analyze(q, state))));
});
