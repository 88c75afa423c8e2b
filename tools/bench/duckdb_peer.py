#!/usr/bin/env python3
"""DuckDB as tenantless's peer: the seed's rules over the same NDJSON, end to end, paired.

    python3 tools/bench/duckdb_peer.py --data DIR [--bin target/release/tenantless] [--runs 3]

`--data` is a folder written by `tenantless generate`. For each rule below, the script runs

- tenantless: `BIN query --data DIR --now END --format json -f RULE.kql`, the rule's KQL text
  unchanged (taken from its YAML file), and
- DuckDB: the SQL written below to mean the same, reading the `.jsonl` files with `read_json` on
  every run, as `tenantless query` reads them on every run,

each in its own process, interleaved (tenantless, DuckDB, tenantless, DuckDB, …) so that both
see the same machine; `END` is manifest.json's `time_range.end`, the `now` that `ago()` sees in
both engines. It prints JSON: per query and engine the best wall time of `--runs`, every run's
time, the peak RSS of the largest run (from wait4, so each process's own) and the result rows.
The row counts must agree: when they do not, the script says so and exits 1.

DuckDB is imported if this Python has it; otherwise it is installed from PyPI (`duckdb==VERSION`
below) into a venv under `--cache` (default `$TENANTLESS_BENCH_CACHE`, else
`~/.cache/tenantless-bench`) and reused from there. Exit status: 0 measured and agreeing, 1 a
disagreement or a failed run, 2 bad arguments, 3 DuckDB cannot be installed (callers may skip).

The SQL reads only the columns each query names, typed as the schemas in `schemas/` type them
(`TIMESTAMP_NS` keeps the 100 ns ticks of `TimeGenerated`), which is how one would give DuckDB
these files; DuckDB still parses every line of every file it reads.
"""

import argparse
import fcntl
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time
import venv

ROOT = pathlib.Path(__file__).resolve().parents[2]
DUCKDB_VERSION = "2.0.1"
EXIT_DISAGREE, EXIT_USAGE, EXIT_NO_DUCKDB = 1, 2, 3

SP = "AADServicePrincipalSignInLogs"
AUDIT = "AuditLogs"

# The columns each SQL query reads, with the types `schemas/<Table>.json` gives them.
SP_COLUMNS = {
    "TimeGenerated": "TIMESTAMP_NS",
    "ResultType": "VARCHAR",
    "ServicePrincipalName": "VARCHAR",
    "ServicePrincipalId": "VARCHAR",
    "IPAddress": "VARCHAR",
    "ResourceDisplayName": "VARCHAR",
}
AUDIT_COLUMNS = {
    "TimeGenerated": "TIMESTAMP_NS",
    "OperationName": "VARCHAR",
    "TargetResources": "JSON",
    "InitiatedBy": "JSON",
    "CorrelationId": "VARCHAR",
}

# rules/seed-failed-signins.yaml. `!=` on strings is case-sensitive in KQL; a missing string is ""
# in KQL, never null, hence the coalesce. dcount ignores nulls as count(DISTINCT) does; makeset is
# list(DISTINCT). The final `extend` adds columns, not rows.
FAILED_SIGNINS = """
SELECT StartTimeUtc AS timestamp, ServicePrincipalName AS AccountCustomEntity, IPAddress AS IPCustomEntity, *
FROM (
  SELECT ServicePrincipalName, IPAddress, ResultType,
         min(TimeGenerated) AS StartTimeUtc, max(TimeGenerated) AS EndTimeUtc, count(*) AS count_,
         count(DISTINCT ResourceDisplayName) AS applicationCount,
         list(DISTINCT ResourceDisplayName) AS applicationSet
  FROM {sp}
  WHERE TimeGenerated >= {now} - INTERVAL 1 DAY
    AND coalesce(ResultType, '') <> '0'
  GROUP BY ServicePrincipalName, IPAddress, ResultType
  HAVING count(DISTINCT ResourceDisplayName) >= 1
)
"""

# rules/seed-credential-added-to-active-sp.yaml and rules/seed-credential-rule-current.yaml: the
# same query but for how the operation is matched ({operation} below). `tostring(x.y)` of a missing
# path is "" (coalesce); `tolower` is lower. The left outer join followed by `ModifiedCredTime >
# SignInTime` keeps matched rows only, as in KQL (a null SignInTime compares false).
# KQL's datetime_diff('minute', d1, d2) counts minute boundaries from d2 to d1, DuckDB's
# date_diff('minute', d2, d1) likewise.
CREDENTIAL = """
WITH audit AS (
  SELECT lower(coalesce(json_extract_string(TargetResources, '$[0].displayName'), '')) AS ServicePrincipalName,
         coalesce(json_extract_string(TargetResources, '$[0].id'), '') AS objectId,
         coalesce(json_extract_string(InitiatedBy, '$.user.ipAddress'), '') AS ActorIP,
         TimeGenerated AS ModifiedCredTime, CorrelationId
  FROM {audit}
  WHERE TimeGenerated >= {now} - INTERVAL 1 DAY
    AND {operation}
), signins AS (
  SELECT ServicePrincipalId, lower(coalesce(ServicePrincipalName, '')) AS ServicePrincipalName,
         TimeGenerated AS SignInTime
  FROM {sp}
  WHERE TimeGenerated + INTERVAL 4320 MINUTE >= {now} - INTERVAL 1 DAY
    AND ResultType = '0'
)
SELECT ModifiedCredTime AS timestamp, ServicePrincipalName AS AccountCustomEntity, ActorIP AS IPCustomEntity
FROM (
  SELECT a.ServicePrincipalName, a.ModifiedCredTime, a.ActorIP,
         min(date_diff('minute', a.ModifiedCredTime, s.SignInTime)) AS min_TimeDifferenceInMinutes
  FROM audit a LEFT OUTER JOIN signins s ON a.ServicePrincipalName = s.ServicePrincipalName
  WHERE a.ModifiedCredTime > s.SignInTime
    AND date_diff('minute', a.ModifiedCredTime, s.SignInTime) >= -4320
  GROUP BY a.ServicePrincipalName, a.ModifiedCredTime, a.ActorIP
)
"""

# `==` is exact and case-sensitive (the verbatim rule: real records end the name with a space, so it
# matches nothing). `has` is a case-insensitive (ASCII) match of the phrase on term boundaries,
# a term being a run of letters and digits.
VERBATIM_OPERATION = "OperationName = 'Update application – Certificates and secrets management'"
HAS_OPERATION = (
    "regexp_matches(OperationName, '(^|[^[:alnum:]])certificates and secrets management($|[^[:alnum:]])', 'i')"
)

QUERIES = [
    ("seed-failed-signins", FAILED_SIGNINS, {}),
    ("seed-credential-added-to-active-sp", CREDENTIAL, {"operation": VERBATIM_OPERATION}),
    ("seed-credential-rule-current", CREDENTIAL, {"operation": HAS_OPERATION}),
]


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def read_json_of(path, columns):
    spec = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in columns.items()) + "}"
    return f"read_json({sql_string(str(path))}, format = 'newline_delimited', columns = {spec})"


def sql_of(template, extra, data, now):
    return template.format(
        sp=read_json_of(data / f"{SP}.jsonl", SP_COLUMNS),
        audit=read_json_of(data / f"{AUDIT}.jsonl", AUDIT_COLUMNS),
        now=f"TIMESTAMP_NS {sql_string(now.rstrip('Z'))}",
        **extra,
    )


def query_of(text):
    """The `query: |` block scalar of a rule file, dedented (no YAML library needed)."""
    m = re.search(r"^query:\s*[|>][-+]?\s*\n((?:[ \t]+.*\n|[ \t]*\n)*)", text + "\n", re.M)
    if not m:
        return None
    lines = m.group(1).splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[indent:] for l in lines).rstrip() + "\n"


# ---- DuckDB: found or installed ---------------------------------------------------------------


def cache_dir(given):
    if given:
        return pathlib.Path(given)
    env = os.environ.get("TENANTLESS_BENCH_CACHE")
    return pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "tenantless-bench"


def duckdb_python(cache):
    """A Python that imports duckdb: this one, else the cached venv's, installed on first use."""
    probe = [sys.executable, "-c", "import duckdb"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return sys.executable
    cache.mkdir(parents=True, exist_ok=True)
    env_dir = cache / "venv"
    python = env_dir / "bin" / "python"
    # Tests and benches may start at once: one installs, the others wait for it.
    with open(cache / "install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if python.exists() and subprocess.run([str(python), "-c", "import duckdb"], capture_output=True).returncode == 0:
            return str(python)
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        except Exception as e:  # ensurepip missing, read-only home, …
            die(EXIT_NO_DUCKDB, f"cannot create a venv in {env_dir} for DuckDB: {e}")
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"duckdb=={DUCKDB_VERSION}"]
        done = subprocess.run(pip, capture_output=True, text=True)
        if done.returncode != 0:
            die(EXIT_NO_DUCKDB, f"`pip install duckdb=={DUCKDB_VERSION}` into {env_dir} failed:\n{done.stderr.strip()}")
    return str(python)


def worker(sql_file):
    """Runs one SQL query in this process and prints its row count and in-process time."""
    import duckdb

    sql = pathlib.Path(sql_file).read_text(encoding="utf-8")
    start = time.perf_counter()
    # Fetched in full: a count(*) around the query would let DuckDB skip the aggregates.
    rows = duckdb.connect().execute(sql).fetchall()
    print(json.dumps({"rows": len(rows), "seconds": time.perf_counter() - start, "version": duckdb.__version__}))


# ---- measuring one process ---------------------------------------------------------------------


def vm_hwm_kib(pid="self"):
    """The `VmHWM` of /proc/PID/status in KiB: the peak of the process's current image alone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(l.split()[1]) for l in f if l.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def poll_hwm(pid, done, seen):
    while not done.is_set():
        seen[0] = max(seen[0], vm_hwm_kib(pid))
        done.wait(0.02)


def measured(args, stdout_path):
    """Runs `args` with stdout to a file: (wall seconds, peak RSS in MiB, exit status, stderr).

    wait4 rather than RUSAGE_CHILDREN: the peak of this child alone, not of all so far. Linux
    charges a child, at exec, with the high-water mark of the image it leaves (this process's), so
    wait4's figure is the child's own only when it exceeds ours; otherwise the child's VmHWM, polled
    while it runs, is used."""
    with open(stdout_path, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err)
        ours = vm_hwm_kib()
        done, seen = threading.Event(), [0]
        poller = threading.Thread(target=poll_hwm, args=(proc.pid, done, seen))
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kib = usage.ru_maxrss if usage.ru_maxrss > ours else seen[0]
        err.seek(0)
        return seconds, peak_kib / 1024.0, proc.returncode, err.read().decode("utf-8", "replace")


def run_tenantless(binary, data, now, kql_file, tmp):
    out = tmp / "tenantless.out"
    args = [binary, "query", "--data", str(data), "--now", now, "--format", "json", "-f", str(kql_file)]
    seconds, rss, code, err = measured(args, out)
    if code != 0:
        die(EXIT_DISAGREE, f"`{' '.join(args)}` exited with {code}:\n{err.strip()}")
    rows = sum(1 for line in out.read_bytes().splitlines() if line.strip())
    return {"seconds": seconds, "peak_rss_mib": rss, "rows": rows}


def run_duckdb(python, sql_file, tmp):
    out = tmp / "duckdb.out"
    args = [python, str(pathlib.Path(__file__).resolve()), "--worker", str(sql_file)]
    seconds, rss, code, err = measured(args, out)
    if code != 0:
        die(EXIT_DISAGREE, f"DuckDB on {sql_file} exited with {code}:\n{err.strip()}")
    report = json.loads(out.read_text())
    return {"seconds": seconds, "peak_rss_mib": rss, "rows": report["rows"], "in_process_seconds": report["seconds"], "version": report["version"]}


def best(runs):
    top = min(runs, key=lambda r: r["seconds"])
    return {
        "seconds": top["seconds"],
        "runs": [r["seconds"] for r in runs],
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "rows": top["rows"],
        **({"in_process_seconds": min(r["in_process_seconds"] for r in runs)} if "in_process_seconds" in top else {}),
    }


def measure(query, kql_file, sql_file, binary, python, data, now, runs, tmp):
    """Interleaved runs of both engines; dies when the row counts differ."""
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(run_tenantless(binary, data, now, kql_file, tmp))
        theirs.append(run_duckdb(python, sql_file, tmp))
    counts = {r["rows"] for r in ours + theirs}
    if len(counts) != 1:
        die(EXIT_DISAGREE, f"{query}: tenantless returned {[r['rows'] for r in ours]} rows, DuckDB {[r['rows'] for r in theirs]}; the SQL and the KQL disagree")
    t, d = best(ours), best(theirs)
    version = theirs[0]["version"]
    return {"query": query, "rows": t["rows"], "ratio": t["seconds"] / d["seconds"], "tenantless": t, "duckdb": d}, version


def die(code, message):
    print(f"duckdb_peer.py: {message}", file=sys.stderr)
    sys.exit(code)


def manifest_of(data):
    path = data / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
        return manifest["time_range"]["end"], manifest["tables"]
    except (OSError, ValueError, KeyError) as e:
        die(EXIT_USAGE, f"{path}: not a tenantless manifest ({e}); give --data a folder written by `tenantless generate`")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=pathlib.Path, help="a folder written by `tenantless generate`")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "tenantless"), help="the tenantless binary")
    ap.add_argument("--rules", type=pathlib.Path, default=ROOT / "rules", help="where the seed's rule files are")
    ap.add_argument("--runs", type=int, default=3, help="runs per query and engine (the best is reported)")
    ap.add_argument("--cache", help="where DuckDB's venv lives (default $TENANTLESS_BENCH_CACHE or ~/.cache/tenantless-bench)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker)
    if args.data is None or args.runs < 1:
        die(EXIT_USAGE, "give --data DIR (a folder written by `tenantless generate`) and --runs 1 or more")
    now, tables = manifest_of(args.data)
    python = duckdb_python(cache_dir(args.cache))
    results, version = [], None
    with tempfile.TemporaryDirectory(prefix="tenantless-peer-") as tmp:
        tmp = pathlib.Path(tmp)
        for name, template, extra in QUERIES:
            rule = args.rules / f"{name}.yaml"
            try:
                kql = query_of(rule.read_text(encoding="utf-8"))
            except OSError as e:
                die(EXIT_USAGE, f"{rule}: {e}; give --rules the folder holding the seed's rules")
            if kql is None:
                die(EXIT_USAGE, f"{rule}: no `query: |` block")
            kql_file, sql_file = tmp / f"{name}.kql", tmp / f"{name}.sql"
            kql_file.write_text(kql, encoding="utf-8")
            sql_file.write_text(sql_of(template, extra, args.data.resolve(), now), encoding="utf-8")
            result, version = measure(name, kql_file, sql_file, args.bin, python, args.data, now, args.runs, tmp)
            results.append(result)
    signins = tables.get(SP, {}).get("records", 0)
    audit = tables.get(AUDIT, {}).get("records", 0)
    print(json.dumps({"data": str(args.data), "now": now, "signins": signins, "audit_rows": audit, "runs": args.runs, "duckdb_version": version, "tenantless": args.bin, "queries": results}, indent=2))


if __name__ == "__main__":
    main()
