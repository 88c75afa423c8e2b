#!/usr/bin/env python3
"""Measures how many published Sentinel rules and hunting queries over tenantless's five tables
parse and run unchanged, and how many fire on the fixture library.

    python3 tools/published/measure.py --sentinel ../Azure-Sentinel [--data lib] [--bin PATH]

`--sentinel` is a clone of https://github.com/Azure/Azure-Sentinel (or a copy holding the same
paths). For each group of folders it keeps the YAML files whose query names one of the five
tables, asks Microsoft's analyzer (tools/kql-oracle, `npm ci --prefix tools/kql-oracle` first)
whether it accepts the query over the five tables' schemas, runs `tenantless verify --format json`
on them over `--data` (default: the fixture library, generated into a temporary folder), and
prints, per group: files, accepted by the analyzer, run by tenantless (of those accepted too),
fired on a labelled positive, and why the others do not run. Outside CI: it needs the clone.
"""

import argparse
import collections
import json
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLES = ["AADManagedIdentitySignInLogs", "AADServicePrincipalSignInLogs", "AuditLogs", "AzureActivity", "AzureDiagnostics"]
GROUPS = {
    "analytic rules": [
        "Solutions/Microsoft Entra ID/Analytic Rules",
        "Solutions/Azure Activity/Analytic Rules",
        "Solutions/Azure Key Vault/Analytic Rules",
    ],
    "hunting queries": [
        "Solutions/Microsoft Entra ID/Hunting Queries",
        "Solutions/Azure Activity/Hunting Queries",
        "Solutions/Azure Key Vault/Hunting Queries",
    ],
    "Detections/": ["Detections/AuditLogs", "Detections/AzureActivity", "Detections/AzureDiagnostics", "Detections/MultipleDataSources"],
    "Hunting Queries/": ["Hunting Queries/AuditLogs", "Hunting Queries/AzureActivity", "Hunting Queries/AzureDiagnostics", "Hunting Queries/MultipleDataSources"],
}
ASIM_PARSERS = ["Parsers/ASimAuthentication/Parsers", "Parsers/ASimAuditEvent/Parsers"]


def query_of(text):
    """The `query:` block scalar of a rule file (the one field measured; no YAML library needed)."""
    m = re.search(r"^query:\s*[|>][-+]?\s*\n((?:[ \t]+.*\n|\s*\n)*)", text + "\n", re.M)
    if not m:
        m = re.search(r"^query:\s*'(.*?)'\s*$", text, re.M | re.S) or re.search(r'^query:\s*"(.*?)"\s*$', text, re.M | re.S)
        return m.group(1) if m else None
    lines = m.group(1).splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[indent:] for l in lines)


def rule_files(sentinel, folders):
    out = []
    for folder in folders:
        for path in sorted((sentinel / folder).rglob("*.y*ml")):
            query = query_of(path.read_text(encoding="utf-8", errors="replace"))
            if query and any(re.search(rf"\b{t}\b", query) for t in TABLES):
                out.append((path, query))
    return out


def analyzer_verdicts(queries):
    tables = {}
    for t in TABLES:
        schema = json.loads((ROOT / "schemas" / f"{t}.json").read_text())
        tables[t] = [[c["name"], c["type"]] for c in schema["columns"]]
    request = json.dumps({"tables": tables, "queries": queries})
    oracle = ROOT / "tools" / "kql-oracle" / "schema.js"
    done = subprocess.run(["node", str(oracle)], input=request, capture_output=True, text=True, check=True)
    return ["columns" in r for r in json.loads(done.stdout)]


def verify(binary, data, paths, functions):
    args = [binary, "verify", "--data", str(data), "--format", "json", "--rules", *map(str, paths)]
    for f in functions:
        args += ["--functions", str(f)]
    done = subprocess.run(args, capture_output=True, text=True)
    if not done.stdout.strip():
        sys.exit(f"tenantless verify printed nothing:\n{done.stderr}")
    return {pathlib.Path(r["path"]).resolve(): r for r in json.loads(done.stdout)["rules"]}


def run_once(binary, data, files, functions):
    """Each query run once, as `tenantless query` runs it (at the end of the generated period):
    whether it parses and executes unchanged, without verify's scheduling."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (path, query) in enumerate(files):
            qfile = pathlib.Path(tmp) / f"q{i}.kql"
            qfile.write_text(query, encoding="utf-8")
            args = [binary, "query", "--data", str(data), "--format", "csv", "-f", str(qfile)]
            for f in functions:
                args += ["--functions", str(f)]
            done = subprocess.run(args, capture_output=True, text=True)
            err = done.stderr.strip()
            if done.returncode == 0:
                out[path.resolve()] = {"status": "ran"}
            elif "is not supported by tenantless yet" in err:
                out[path.resolve()] = {"status": "not_executable", "reason": err.replace("error: ", "").split(" is not supported")[0]}
            else:
                out[path.resolve()] = {"status": "failed", "reason": err.replace("error: ", "", 1)}
    return out


def reason_of(result):
    """A short, groupable reason a rule did not run."""
    reason = result.get("reason", "")
    if result["status"] == "not_executable":
        return f"not supported: {reason}"
    first = reason.splitlines()[0] if reason else "?"
    first = re.sub(r"^\S+:\d+:\d+: ", "", first)
    return f"error: {first[:110]}"


def report(name, files, verdicts, results):
    accepted = sum(verdicts)
    ran = [results[p.resolve()] for p, _ in files if results[p.resolve()]["status"] == "ran"]
    ran_accepted = sum(1 for (p, _), ok in zip(files, verdicts) if ok and results[p.resolve()]["status"] == "ran")
    fired = sum(1 for r in ran if r.get("true_positives", 0) > 0)
    print(f"\n## {name}: {len(files)} files over the five tables")
    print(f"- Microsoft's analyzer accepts {accepted}; tenantless runs {len(ran)} ({ran_accepted} of the {accepted} accepted)")
    if any("true_positives" in r for r in ran):
        print(f"- fire on a labelled positive of the library: {fired}")
    reasons = collections.Counter(reason_of(results[p.resolve()]) for p, _ in files if results[p.resolve()]["status"] != "ran")
    for reason, n in reasons.most_common():
        print(f"  - {n} × {reason}")
    # The goal is every query the analyzer accepts: name those that still do not run.
    for (p, _), ok in zip(files, verdicts):
        if ok and results[p.resolve()]["status"] != "ran":
            print(f"  - accepted, not run: {p.name}: {reason_of(results[p.resolve()])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentinel", type=pathlib.Path, required=True, help="a clone of Azure/Azure-Sentinel")
    ap.add_argument("--data", type=pathlib.Path, help="generated data (default: the fixture library, generated now)")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "tenantless"), help="the tenantless binary")
    ap.add_argument("--once", action="store_true", help="run each query once (parse and execute) instead of verify's schedule")
    args = ap.parse_args()
    data = args.data
    if data is None:
        data = pathlib.Path(tempfile.mkdtemp(prefix="tenantless-published-")) / "lib"
        scenarios = sorted(str(p) for p in (ROOT / "scenarios" / "library").glob("*.yaml"))
        subprocess.run([args.bin, "generate", *scenarios, "--end", "now", "--out", str(data)], check=True, capture_output=True)
    functions = [args.sentinel / p for p in ASIM_PARSERS if (args.sentinel / p).is_dir()]
    print(f"# Published content over the five tables, measured with {args.bin} on {data}")
    print(f"(--sentinel {args.sentinel}; ASIM parsers loaded: {', '.join(map(str, functions)) or 'none'})")
    for name, folders in GROUPS.items():
        files = rule_files(args.sentinel, folders)
        if not files:
            continue
        verdicts = analyzer_verdicts([q for _, q in files])
        if args.once:
            results = run_once(args.bin, data, files, functions)
        else:
            results = verify(args.bin, data, [p for p, _ in files], functions)
        report(name, files, verdicts, results)


if __name__ == "__main__":
    main()
