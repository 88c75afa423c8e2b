// Reads {"commands": ["...", ...]} on stdin and prints, per command, the errors Microsoft's
// analyzer (Kusto.Language) finds when it parses it as a management command: [["...", ...], ...]
// (an empty list: none). Used by tests/it/export_adx.rs on the kit `export adx` writes.
const path = require('path');
const dir = path.join(__dirname, 'node_modules', '@kusto', 'language-service-next');
global.Bridge = require(path.join(dir, 'bridge.js'));
require(path.join(dir, 'Kusto.Language.Bridge.js'));
const K = global.Kusto.Language;

function errors(command) {
  const code = K.KustoCode.Parse(command, K.GlobalState.Default);
  const found = Bridge.toArray(code.GetDiagnostics()).filter((d) => d.Severity === 'Error').map((d) => d.Message);
  if (found.length === 0 && code.Kind !== 'Command') found.push(`parsed as ${code.Kind}, not a management command`);
  return found;
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  process.stdout.write(JSON.stringify(request.commands.map(errors)));
});
