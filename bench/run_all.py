"""Every benchmark in turn, then the performance page from their JSON results.

    .venv/bin/python bench/run_all.py [--quick]
                                      [--only clock,actions,action_cpu,pages,reports,…,handbook]
                                      [--doc-only] [--output PATH] [--note TEXT]

`make bench` runs bench/clock.py, bench/actions.py, bench/action_cpu.py (the action without
HTTP), bench/pages.py, bench/reports.py (on the 1,000,000-dossier database, created and generated
on first use, about ten minutes), bench/readiness.py, bench/progress.py and bench/reviews.py (the
national pages over HTTP with wrk on the real tree of 3,321 communes, the review queue with 30,000
officers) and bench/handbook.py (the handbook's search) at full size and writes
docs/performance.md. `make bench-quick` (--quick) runs shorter and smaller, without the reports
and with the national pages on SQLite only, and writes bench/out/performance.md, leaving docs/
alone. A script that fails does not stop the
others; its rows say "not measured" and the exit code is 1. --doc-only writes the page from the
results already in bench/out/ (e.g. after editing bench/limits.toml, where the "what limits it"
lines live).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PY = ".venv/bin/python"

NATIONAL_QUICK = ["--sqlite-only", "--seconds", "3", "--warmup", "1", "--repeat", "2"]
FULL: dict[str, list[str]] = {
    "clock": [],
    "actions": [],
    "action_cpu": [],
    "pages": [],
    "reports": ["--generate-if-empty", "1000000"],
    "readiness": [],
    "progress": [],
    "reviews": [],
    "handbook": [],
}
QUICK: dict[str, list[str]] = {
    "clock": ["--n", "5000", "--naive", "500"],
    "actions": ["--seconds", "5", "--warmup", "3", "--pool", "1000"],
    "action_cpu": ["--accepts", "200", "--rounds", "1"],
    "pages": ["--seconds", "5", "--warmup", "2", "--queue-size", "2000", "--dossiers", "10"],
    "readiness": NATIONAL_QUICK,
    "progress": NATIONAL_QUICK,
    "reviews": NATIONAL_QUICK,
    "handbook": ["--repeat", "2"],
}
#: the national pages (bench/national.py: the same JSON shape, wrk runs and in-process figures)
NATIONAL = {
    "readiness": "Readiness map",
    "progress": "Progress of trainees",
    "reviews": "Mentors' review queue",
}


# ---- the machine --------------------------------------------------------------------------


def _first(path: str, key: str) -> str:
    try:
        for row in Path(path).read_text().splitlines():
            if row.startswith(key):
                return row.split(":" if ":" in row else "=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "?"


def machine() -> dict[str, str]:
    from harness import pg_server_version, wrk_version

    mem_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    vm = " (virtual machine)" if " hypervisor" in _first("/proc/cpuinfo", "flags") else ""
    info = {
        "cpu": f"{_first('/proc/cpuinfo', 'model name')} × {os.cpu_count()} logical CPUs{vm}",
        "ram": f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "?",
        "os": f"{_first('/etc/os-release', 'PRETTY_NAME')}, Linux {platform.release()}",
        "python": platform.python_version(),
    }
    try:
        info["postgresql"] = pg_server_version()
    except Exception as exc:  # the page is still worth writing without it
        info["postgresql"] = f"? ({type(exc).__name__})"
    try:
        info["wrk"] = wrk_version()
    except SystemExit:
        info["wrk"] = "not installed"
    return info


# ---- running --------------------------------------------------------------------------------


def run(steps: dict[str, list[str]]) -> dict[str, int]:
    codes = {}
    for name, extra in steps.items():
        (OUT / f"{name}.json").unlink(missing_ok=True)  # the page shows this run's results only
        print(f"\n==== bench/{name}.py {' '.join(extra)}", flush=True)
        start = time.monotonic()
        codes[name] = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *extra]).returncode
        print(f"==== {name}: exit {codes[name]} in {time.monotonic() - start:.0f} s", flush=True)
    return codes


# ---- the page ---------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def lat(r: dict[str, Any]) -> str:
    q = r["latency_ms"]
    return f"{ms(q['p50'])} / {ms(q['p95'])} / {ms(q['p99'])}"


def command(result: dict[str, Any]) -> str:
    return f"`{result['command'].replace('python ', PY + ' ', 1).strip()}`"


def missing(name: str, codes: dict[str, int]) -> str:
    if name in codes:
        return f"Not measured: `bench/{name}.py` failed (exit {codes[name]}); see its output.\n"
    return f"Not run this time (`make bench` runs `bench/{name}.py`).\n"


def action_cpu_lines(x: dict[str, Any] | None) -> list[str]:
    """bench/action_cpu.py's split: the action's own CPU, without HTTP, against the bare's."""
    if x is None:
        return ["The action without HTTP (`bench/action_cpu.py`): not measured this time.", ""]
    app, bare = x["app"], x["bare"]
    return [
        "The action without HTTP, in one process (`bench/action_cpu.py`: what the endpoint does "
        "in its trip to the thread pool, against the bare app's `accept` called as a function, "
        f"{x['accepts_per_kind']:,} accepts each in blocks of {x['block']}): Python "
        f"**{app['python_ms_least']:.2f} ms** per accept at best "
        f"({app['python_ms_median']:.2f} ms median) against the bare statements' "
        f"{bare['python_ms_least']:.2f} ms ({bare['python_ms_median']:.2f}), "
        f"{x['python_ratio']:.0f}×; the PostgreSQL backend {app['postgres_ms_median']:.2f} ms "
        f"against {bare['postgres_ms_median']:.2f} ms (medians).",
        "",
    ]


def section_actions(
    a: dict[str, Any], limits: dict[str, str], cpu: dict[str, Any] | None = None
) -> list[str]:
    c, accepted, bare = a["config"], a["checks"]["accepted"], a["bare"]
    cases = [a[k] for k in ("app", "app_one_token") if k in a]
    base = bare["run"]["requests_per_s"]
    counts = ", ".join(f"{k} {v:,}" for k, v in accepted.items())

    def row(label: str, cells: list[str], aim: str, baseline: str) -> str:
        return f"| {label} | {' | '.join(cells)} | {aim} | {baseline} |"

    rows = [
        "## Actions over HTTP",
        "",
        f"PostgreSQL, {c['workers']} workers per server, wrk {c['threads']} threads × "
        f"{c['connections']} connections on loopback, {c['warmup']:g} s warm-up then "
        f"{c['seconds']:g} s measured. Each request accepts a dossier of its own "
        "(`POST /api/v1/dossiers/{code}/actions/accept`, Bearer token: user and role check, state "
        "machine, event row with chain hash, clock and step record, report counters), with the "
        f"tokens of {c['officers']} receivers in turn, then with one token for every request (as "
        "an integration would; every action then also bumps the same per-officer counter row). "
        "Baseline: `bench/bare_app.py`, the same three SQL statements (`SELECT … FOR UPDATE`, "
        "`UPDATE`, `INSERT` event) on its own received dossiers, nothing around them.",
        "",
        f"Reproduce: {command(a)}",
        "",
        row("figure", [x["label"] for x in cases], "aim", "baseline (bare app)"),
        "|---|" + "---|" * (len(cases) + 2),
        row(
            "requests/s",
            [f"**{x['run']['requests_per_s']:,.1f}**" for x in cases],
            "≥ 0.5 × baseline",
            f"{base:,.1f}",
        ),
        row(
            "ratio casework / baseline",
            [f"**{x['run']['requests_per_s'] / base:.2f}**" for x in cases],
            f"≥ {a['aims']['ratio']}",
            "1",
        ),
        row("latency p50 / p95 / p99", [lat(x["run"]) for x in cases], "—", lat(bare["run"])),
        row("non-2xx answers", [str(x["run"]["non_2xx"]) for x in cases], "0", "0"),
        row(
            "database connections opened during the run",
            [str(x["db_connections_opened"]) for x in cases],
            "—",
            str(bare["db_connections_opened"]),
        ),
        "",
        f"Checks after the runs: dossiers accepted {counts}, each with exactly one action "
        "event, every other dossier of the pools none; "
        f"`casework audit verify`: {a['checks']['audit_verify']}"
        + ("" if a["ok"] else f" — **problems:** {'; '.join(a['checks']['problems'])}"),
        "",
        *action_cpu_lines(cpu),
        f"What limits it: {limits.get('actions', '')}",
        "",
    ]
    return rows


def section_pages(p: dict[str, Any], limits: dict[str, str]) -> list[str]:
    c = p["config"]
    aims = p["aims_p95_ms"]
    rows = [
        "## Pages",
        "",
        f"wrk {c['threads']} threads × {c['connections']} connections with the session cookie of "
        f"`hni.handler` (signed in through `/login`), {c['warmup']:g} s warm-up then "
        f"{c['seconds']:g} s measured per page; each page checked first (200, its heading). "
        f"(a) goes round {c['dossiers']} dossiers of 50 events each; (b) the unit holds "
        f"{c['queue_size']:,} dossiers. Baselines: `/healthz` of the same server (no database, "
        "no sign-in check), and on PostgreSQL `bench/bare_app.py` rendering the same template "
        "with the context the real page passed to it, captured once at start-up (rendering only: "
        "no query, no session, no middleware).",
        "",
        f"Reproduce: {command(p)}",
        "",
        "| page | database (workers) | req/s | p50 / p95 / p99 | aim p95 | baselines p95 |",
        "|---|---|---|---|---|---|",
    ]
    for db in ("postgresql", "sqlite"):
        if db not in p:
            continue
        runs = p[db]["runs"]
        health = runs.get("BASELINE /healthz (no database)")
        bare = {
            "(a)": runs.get("BASELINE template only: dossier page"),
            "(b) /dossiers (my": runs.get("BASELINE template only: my queue"),
        }
        for name, r in runs.items():
            if name.startswith("BASELINE"):
                continue
            aim = aims["dossier"] if name.startswith("(a)") else aims["queue"]
            base = [f"/healthz {ms(health['latency_ms']['p95'])}"] if health else []
            template = next((b for k, b in bare.items() if name.startswith(k) and b), None)
            if template:
                base.insert(0, f"template only {ms(template['latency_ms']['p95'])}")
            p95 = r["latency_ms"]["p95"]
            mark = "" if p95 < aim else " (missed)"
            rows.append(
                f"| {name} | {db} ({p[db]['workers']}) | {r['requests_per_s']:,.1f} | "
                f"{lat(r)}{mark} | < {aim} ms | {', '.join(base) or '—'} |"
            )
    rows += [""]
    for db in ("postgresql", "sqlite"):
        if db in p and p[db]["problems"]:
            rows += [f"**Problems ({db}):** {'; '.join(p[db]['problems'])}", ""]
    rows += [
        f"What limits the dossier page: {limits.get('pages_dossier', '')}",
        "",
        f"What limits the work queue: {limits.get('pages_queue', '')}",
        "",
        f"SQLite: {limits.get('pages_sqlite', '')}",
        "",
    ]
    return rows


def section_memory(
    a: dict[str, Any] | None, p: dict[str, Any] | None, limits: dict[str, str]
) -> list[str]:
    def mb(values: list[float]) -> str:
        return ", ".join(f"{v:.0f}" for v in values) + " MB"

    rows = [
        "## Memory per worker",
        "",
        "VmRSS (`/proc/<pid>/status`) of each uvicorn worker process, read right after the runs "
        "above.",
        "",
        "| server, after | RSS per worker | aim | baseline |",
        "|---|---|---|---|",
    ]
    if a:
        last = a.get("app_one_token", a["app"])
        rows.append(
            f"| `casework serve`, PostgreSQL, after the actions | **{mb(last['rss_mb'])}** | "
            f"< {a['aims']['rss_mb']} MB | bare app {mb(a['bare']['rss_mb'])} |"
        )
    if p and "postgresql" in p:
        pg = p["postgresql"]
        bare = f"bare app, holding casework for its capture: {mb(pg['bare_rss_mb'])}"
        rows.append(
            f"| `casework serve`, PostgreSQL, after the pages | **{mb(pg['rss_mb'])}** | "
            f"< 200 MB | {bare if 'bare_rss_mb' in pg else '—'} |"
        )
    if p and "sqlite" in p:
        rows.append(
            f"| `casework serve`, SQLite, after the pages | **{mb(p['sqlite']['rss_mb'])}** | "
            "< 200 MB | — |"
        )
    rows += ["", f"What limits it: {limits.get('memory', '')}", ""]
    return rows


def section_clock(c: dict[str, Any], limits: dict[str, str]) -> list[str]:
    d = c["dues_per_s"]
    return [
        "## Legal clock",
        "",
        f"`compute_due` on {c['inputs']:,} realistic inputs, against the naive day-by-day / "
        f"minute-stepping loop on {c['naive_inputs']:,} of them (identical dues: "
        f"{'yes' if c['ok'] else 'NO'}).",
        "",
        f"Reproduce: {command(c)}",
        "",
        "| figure | measured | aim | baseline (naive loop) |",
        "|---|---|---|---|",
        f"| dues/s, `explain=False` | **{d['compute_due']:,}** | — | {d['naive']:,} |",
        f"| dues/s, with the trace | {d['compute_due_traced']:,} | — | {d['naive']:,} |",
        f"| ratio | {c['ratio']:,.0f}× | — | 1 |",
        "",
        f"What limits it: {limits.get('clock', '')}",
        "",
    ]


def section_reports(r: dict[str, Any], limits: dict[str, str]) -> list[str]:
    db = r["database"]
    rows = [
        "## Reports",
        "",
        f"{db['dialect']}, {db['dossiers']:,} dossiers, {db['events']:,} events; each figure is "
        f"the median of {r['repeat']} runs after a warm-up.",
        "",
        f"Reproduce: {command(r)}",
        "",
        "| scope | report | query function | aim |",
        "|---|---|---|---|",
    ]
    for f in r["functions"]:
        base = f["report"].startswith("BASELINE")
        aim = "(baseline)" if base else f"< {r['target_s']:g} s"
        rows.append(f"| {f['scope']} | {f['report']} | {ms(f['seconds'] * 1000)} | {aim} |")
    if r["pages"]:
        rows += ["", "| whole page (ministry, 12 months) | time | aim |", "|---|---|---|"]
        for page in r["pages"]:
            rows.append(
                f"| `{page['path']}` | {ms(page['seconds'] * 1000)} | < {r['target_s']:g} s |"
            )
    rows += [
        "",
        f"Slowest: **{ms(r['slowest_s'] * 1000)}** (aim < {r['target_s']:g} s).",
        "",
        f"What limits it: {limits.get('reports', '')}",
        "",
    ]
    return rows


def _baseline(seconds: dict[str, float]) -> str:
    return next(label for label in seconds if label.startswith("baseline"))


def _floor(runs: dict[str, Any]) -> list[str]:
    """The p95 of a national page's floors: the bare read of the unit rows, /healthz."""
    return [
        f"{tag} {ms(runs[key]['latency_ms']['p95'])}"
        for key, tag in (
            ("BASELINE bare app: read the unit rows", "unit rows"),
            ("BASELINE /healthz (no database)", "/healthz"),
        )
        if key in runs
    ]


def section_national(name: str, r: dict[str, Any], limits: dict[str, str]) -> list[str]:
    """bench/readiness.py, progress.py or reviews.py: each page over HTTP beside its baselines,
    then the in-process figures beside reading the unit rows."""
    c, aims = r["config"], r["aims_p95_ms"]
    rows = [
        f"## {NATIONAL[name]} at national scale",
        "",
        f"`bench/{name}.py` on the demo's real tree (34 provinces, 3,321 communes), filled as its "
        f"docstring says. Over HTTP: `casework serve` ({c['workers']} workers on PostgreSQL, one "
        f"on SQLite), wrk {c['threads']} threads × {c['connections']} connections on loopback "
        f"(one request per worker at a time: a page's own time, not a queue), signed in as "
        f"`{r['reader']}` through `/login`, {c['warmup']:g} s warm-up then {c['seconds']:g} s "
        "measured per page, each page checked first (200, not the sign-in form). Baselines of the "
        "same run: `/healthz` of the same server, and on PostgreSQL `bench/bare_app.py` reading "
        "every unit row with psycopg (the least a page listing the units must do) and rendering "
        "the page's template alone with the context the real page passed to it.",
        "",
        f"Reproduce: {command(r)}",
        "",
        "| page | database (workers) | req/s | p50 / p95 / p99 | aim p95 | baselines p95 |",
        "|---|---|---|---|---|---|",
    ]
    for db, res in r["results"].items():
        runs = res["runs"]
        floor = _floor(runs)
        for label, run in runs.items():
            if label.startswith("BASELINE"):
                continue
            aim = aims["file"] if label.startswith(("CSV", "XLSX")) else aims["page"]
            template = runs.get(f"BASELINE template only: {label}")
            base = [f"template only {ms(template['latency_ms']['p95'])}"] if template else []
            mark = "" if run["latency_ms"]["p95"] <= aim else " (missed)"
            rows.append(
                f"| {label} | {db} ({res['workers']}) | {run['requests_per_s']:,.1f} | "
                f"{lat(run)}{mark} | ≤ {aim:,} ms | {', '.join(base + floor)} |"
            )
    rows += [
        "",
        f"In process (median of {c['repeat']} runs after a warm-up):",
        "",
        "| figures | database | time | × baseline |",
        "|---|---|---|---|",
    ]
    for db, res in r["results"].items():
        seconds = res["seconds"]
        base = _baseline(seconds)
        for label, value in seconds.items():
            ratio = "(baseline)" if label == base else f"{value / seconds[base]:.1f}"
            rows.append(f"| {label} | {db} | {ms(value * 1000)} | {ratio} |")
    sizes = "; ".join(f"{db}: {res['sizes']}" for db, res in r["results"].items())
    rows += ["", f"Data: {sizes}.", ""]
    for db, res in r["results"].items():
        if res["problems"]:
            rows += [f"**Problems ({db}):** {'; '.join(res['problems'])}", ""]
    rows += [f"What limits it: {limits.get(name, '')}", ""]
    return rows


def section_handbook(h: dict[str, Any], limits: dict[str, str]) -> list[str]:
    """bench/handbook.py: a query's time, searched and by the plain scan, and the index build."""
    sizes, per = h["sizes"], h["ms_per_query"]
    rows = [
        "## Handbook search",
        "",
        f"`bench/handbook.py`: {sizes['queries']} queries as officers type them over "
        f"{sizes['passages']:,} passages ({sizes['procedures']} procedures and "
        f"{sizes['answers']:,} made-up published answers); median of the runs after a warm-up, "
        "in process. The baseline is a plain substring scan of the same passages, folded "
        "beforehand (no ranking, no snippets).",
        "",
        f"Reproduce: {command(h)}",
        "",
        "| case | per query | × baseline | aim |",
        "|---|---|---|---|",
    ]
    base = next(v for k, v in per.items() if k.startswith("baseline"))
    for label, value in per.items():
        aim = "(baseline)" if label.startswith("baseline") else f"< {h['target_ms']:g} ms"
        rows.append(f"| {label} | {ms(value)} | {value / base:.1f} | {aim} |")
    first, again = h["build_ms"]["first"], h["build_ms"]["again (words kept)"]
    rows += [
        "",
        f"Building the index: {ms(first)} the first time, {ms(again)} "
        "again (after an answer is published; the words of the other passages are kept). "
        f"`tem kiem dinh` first: `{h['tem_kiem_dinh_first']}`.",
        "",
        f"What limits it: {limits.get('handbook', '')}",
        "",
    ]
    return rows


def summary(res: dict[str, dict[str, Any]]) -> list[str]:
    rows = [
        "## Summary",
        "",
        "| figure | measured | aim | baseline (same run) |",
        "|---|---|---|---|",
    ]
    if a := res.get("actions"):
        rows.append(
            f"| actions over HTTP, requests/s ({a['config']['officers']} officers' tokens) | "
            f"{a['app']['run']['requests_per_s']:,.1f} (ratio {a['ratio']:.2f}) | "
            f"ratio ≥ {a['aims']['ratio']} | bare app {a['bare']['run']['requests_per_s']:,.1f} |"
        )
    if p := res.get("pages"):
        runs = p.get("postgresql", {}).get("runs", {})
        health = runs.get("BASELINE /healthz (no database)")
        for name, aim, bare in (
            ("(a) /dossiers/{code}, 50 events", "dossier", "BASELINE template only: dossier page"),
            ("(b) /dossiers (my queue)", "queue", "BASELINE template only: my queue"),
            ("(b) /dossiers?queue=unit", "queue", None),
        ):
            if name in runs:
                base = [f"template only {ms(runs[bare]['latency_ms']['p95'])}"] if bare else []
                base += [f"/healthz {ms(health['latency_ms']['p95'])}"] if health else []
                rows.append(
                    f"| {name} p95, PostgreSQL | {ms(runs[name]['latency_ms']['p95'])} | "
                    f"< {p['aims_p95_ms'][aim]} ms | {', '.join(base)} |"
                )
    rss = []
    if a:
        rss += [v for k in ("app", "app_one_token") for v in a.get(k, {}).get("rss_mb", [])]
    if p:
        rss += [v for db in ("postgresql", "sqlite") for v in p.get(db, {}).get("rss_mb", [])]
    if rss:
        bare = f"bare app {max(a['bare']['rss_mb']):.0f} MB" if a else "—"
        rows.append(f"| RSS per worker, largest | {max(rss):.0f} MB | < 200 MB | {bare} |")
    if c := res.get("clock"):
        rows.append(
            f"| legal clock, dues/s | {c['dues_per_s']['compute_due']:,} | — | "
            f"naive loop {c['dues_per_s']['naive']:,} |"
        )
    if r := res.get("reports"):
        base = [f["seconds"] for f in r["functions"] if f["report"].startswith("BASELINE")]
        rows.append(
            f"| slowest report, {r['database']['dossiers']:,} dossiers | "
            f"{ms(r['slowest_s'] * 1000)} | < {r['target_s']:g} s | "
            + (f"GROUP BY over the dossier rows {ms(max(base) * 1000)} |" if base else "— |")
        )
    for name, title in NATIONAL.items():
        for db, r in res.get(name, {}).get("results", {}).items():
            runs = r["runs"]
            pages = [(v["latency_ms"]["p95"], k) for k, v in runs.items() if k.startswith("page")]
            if not pages:
                continue
            p95, label = max(pages)
            floor = _floor(runs)
            rows.append(
                f"| {title}: slowest page p95 ({label}), {db} | {ms(p95)} | "
                f"≤ {res[name]['aims_p95_ms']['page']} ms | {', '.join(floor)} |"
            )
    if h := res.get("handbook"):
        per = h["ms_per_query"]
        label = next(k for k in per if not k.startswith("baseline"))
        base = next(k for k in per if k.startswith("baseline"))
        rows.append(
            f"| handbook search, one query ({h['sizes']['passages']:,} passages) | "
            f"{ms(per[label])} | < {h['target_ms']:g} ms | substring scan {ms(per[base])} |"
        )
    return rows + [""]


def write_page(
    path: Path, info: dict[str, str], names: list[str], codes: dict[str, int], note: str
) -> None:
    """The page from the results of `names` (the scripts of this run, or all for --doc-only)."""
    res: dict[str, dict[str, Any]] = {}
    for name in names:
        file = OUT / f"{name}.json"
        if file.exists():
            res[name] = json.loads(file.read_text())
    limits = tomllib.loads((BENCH / "limits.toml").read_text())
    dates = sorted(r["finished_at"] for r in res.values())
    when = f"{dates[0][:16].replace('T', ' ')} – {dates[-1][11:16]}" if dates else "—"
    loads = "; ".join(
        f"{name} {' '.join(r['load_average'])}" for name, r in res.items() if "load_average" in r
    )
    lines = [
        "# Performance",
        "",
        "Generated by `bench/run_all.py` (`make bench`) from the results in `bench/out/*.json`; "
        "the “what limits it” lines come from `bench/limits.toml` (edit them there: this page is "
        "rewritten on every run). Every figure is printed beside its aim and a baseline measured "
        "in the same run, on the same machine.",
        "",
    ]
    if note:
        lines += [f"> {note}", ""]
    lines += [
        "| machine | |",
        "|---|---|",
        f"| measured | {when} |",
        f"| CPU | {info['cpu']} |",
        f"| RAM | {info['ram']} |",
        f"| OS | {info['os']} |",
        f"| Python | {info['python']} |",
        f"| PostgreSQL | {info['postgresql']} (on 127.0.0.1, settings as installed) |",
        f"| wrk | {info['wrk']} |",
        f"| load average (1, 5, 15 min) as each script ended | {loads or '—'} |",
        "",
        "Reproduce everything: `make bench` (about 10 minutes more on the first run, which "
        "generates the 1,000,000-dossier database); for development, `make bench-quick`.",
        "",
        *summary(res),
    ]
    for name, section in (
        ("actions", lambda: section_actions(res["actions"], limits, res.get("action_cpu"))),
        ("pages", lambda: section_pages(res["pages"], limits)),
        ("memory", lambda: section_memory(res.get("actions"), res.get("pages"), limits)),
        ("clock", lambda: section_clock(res["clock"], limits)),
        ("reports", lambda: section_reports(res["reports"], limits)),
        ("readiness", lambda: section_national("readiness", res["readiness"], limits)),
        ("progress", lambda: section_national("progress", res["progress"], limits)),
        ("reviews", lambda: section_national("reviews", res["reviews"], limits)),
        ("handbook", lambda: section_handbook(res["handbook"], limits)),
    ):
        if name == "memory" or name in res:
            lines += section()
        else:
            lines += [f"## {name.capitalize()}", "", missing(name, codes)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, small sizes, no reports")
    parser.add_argument(
        "--only",
        help="comma-separated subset: "
        "clock,actions,action_cpu,pages,reports,readiness,progress,reviews,handbook",
    )
    parser.add_argument("--doc-only", action="store_true", help="write the page, run nothing")
    parser.add_argument("--output", type=Path, help="default: docs/performance.md (quick: out/)")
    parser.add_argument("--note", default="", help="a line for the top of the page")
    args = parser.parse_args()
    steps = dict(QUICK if args.quick else FULL)
    if args.only:
        steps = {k: v for k, v in steps.items() if k in args.only.split(",")}
    output = args.output or (OUT / "performance.md" if args.quick else ROOT / "docs/performance.md")
    info = machine()
    codes = {} if args.doc_only else run(steps)
    quick = "Quick run (`make bench-quick`): small sizes, short runs." if args.quick else ""
    names = list(FULL) if args.doc_only else list(steps)
    write_page(output, info, names, codes, args.note or quick)
    failed = [name for name, code in codes.items() if code != 0]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
