"""BENCHMARKS.md from one run's results: every row with its figures, its ratio and its target."""

import os
import platform
import re
import subprocess
from datetime import datetime, timezone

from .servers import JOBSMITH, ROOT, VENV_BIN


def _holds(ok):
    return "yes" if ok else "**no**"


def _cmd(argv):
    """The first line a command prints (wrk prints its version to stderr, and exits 1)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True)
    except OSError:
        return "unknown"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def machine():
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.machine())
    return f"{os.cpu_count()} cores ({model}), {mem_kib / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}"


def commit():
    """The commit measured, marked when the work tree differs from it."""
    head = _cmd(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD", "--", ".", ":!bench", ":!BENCHMARKS.md"])
    return head + (" with uncommitted changes" if dirty.returncode == 1 else "")


def versions():
    freeze = subprocess.run([os.path.join(VENV_BIN, "python"), "-m", "pip", "freeze"], capture_output=True, text=True)
    peers = freeze.stdout.splitlines()
    wanted = ("apscheduler", "flask", "flask-apscheduler", "gunicorn", "sqlalchemy")
    return {
        "jobsmith": commit(),
        "rustc": _cmd(["rustc", "--version"]),
        "python": platform.python_version(),
        "peers": ", ".join(p for p in peers if p.split("==")[0].lower() in wanted),
        "wrk": _cmd(["wrk", "-v"]),
        "binary": _binary(),
    }


def _binary():
    """Where the measured server was built, without the path of the machine's own directories."""
    if os.environ.get("CARGO_TARGET_DIR"):
        return "$CARGO_TARGET_DIR/release/jobsmith"
    return os.path.relpath(JOBSMITH, ROOT)


def _steady_holds(ours, peer):
    return ours["p99_ms"] <= 5 and ours["p99_ms"] <= 0.5 * peer["p99_ms"]


def _instants(r):
    """Each "jobs due at one instant" section, fewest jobs first: its name, the three figures, and
    jobsmith's p99 against the loop's and the peer's."""
    names = (k for k in r if k.startswith("lateness ") and k.endswith(" at once"))
    for name in sorted(names, key=lambda k: int(k.split()[1])):
        at = r[name]
        ours, peer, floor = at["jobsmith"], at["apscheduler"], at["floor"]
        yield name, ours, peer, floor, ours["p99_ms"] / floor["p99_ms"], ours["p99_ms"] / peer["p99_ms"]


def _instant_holds(to_floor, to_peer):
    return to_floor <= 1.1 and to_peer <= 0.8


def rows(r, big):
    out = []
    get = r.get("get")
    if get:
        ours, peer, floor = get["jobsmith"], get["flask-apscheduler"], get["axum-floor"]
        ratio = ours["rps"] / peer["rps"]
        out.append(("`GET /api/job/{id}`, 1,000 jobs, wrk -t2 -c64",
                    f"{ours['rps']:,.0f} req/s, p99 {ours['p99_ms']:.2f} ms",
                    f"Flask-APScheduler: {peer['rps']:,.0f} req/s, p99 {peer['p99_ms']:.2f} ms",
                    f"{ratio:.1f}×", "≥ 20×", _holds(ratio >= 20)))
        ratio = ours["rps"] / floor["rps"]
        out.append(("same, beside the machine's limit for this stack",
                    f"{ours['rps']:,.0f} req/s, p99 {ours['p99_ms']:.2f} ms",
                    f"minimal axum handler: {floor['rps']:,.0f} req/s, p99 {floor['p99_ms']:.2f} ms",
                    f"{ratio:.2f}×", "≥ 0.6×, p99 ≤ 5 ms", _holds(ratio >= 0.6 and ours["p99_ms"] <= 5)))
    post = r.get("post")
    if post:
        ours, peer = post["jobsmith"], post["flask-apscheduler"]
        ratio = ours["rps"] / peer["rps"]
        out.append(("`POST /api/schedule-job` (SQLite WAL, synchronous=NORMAL: durable across a crash of "
                    "the process, the last commits can be lost to a power cut)",
                    f"{ours['rps']:,.0f} req/s, p99 {ours['p99_ms']:.2f} ms ({ours['non_2xx']} not 2xx)",
                    f"Flask-APScheduler add (SQLite, its defaults): {peer['rps']:,.0f} req/s "
                    f"({peer['non_2xx']} not 2xx)", f"{ratio:.1f}×", "≥ 10×", _holds(ratio >= 10)))
    listing = r.get("listing")
    if listing:
        (first_name, first), (far_name, far) = sorted(listing.items(), key=lambda kv: int(kv[0].split()[1]))
        ratio = far["p50_ms"] / first["p50_ms"]
        worst = max(first["p99_ms"], far["p99_ms"])
        out.append((f"`GET /api/v1/scheduler/jobs?per_page=50` on {big:,} jobs, wrk -t2 -c4",
                    f"{first_name}: p50 {first['p50_ms']:.2f} ms, p99 {first['p99_ms']:.2f} ms; "
                    f"{far_name}: p50 {far['p50_ms']:.2f} ms, p99 {far['p99_ms']:.2f} ms", "–",
                    f"{ratio:.2f}× ({far_name} / page 1, p50)", "within 2×, p99 ≤ 20 ms",
                    _holds(ratio <= 2 and worst <= 20)))
    steady = r.get("lateness steady")
    if steady:
        ours, peer = steady["jobsmith"], steady["apscheduler"]
        ratio = ours["p99_ms"] / peer["p99_ms"]
        # Results from before the bare loop ran in this section have no floor.
        floor = steady.get("floor")
        beside = f"APScheduler 3: p50 {peer['p50_ms']:.1f} ms, p99 {peer['p99_ms']:.1f} ms"
        ratios = f"{ratio:.2f}×"
        if floor:
            beside += f"; bare loop: p50 {floor['p50_ms']:.1f} ms, p99 {floor['p99_ms']:.1f} ms"
            ratios += f" APScheduler, {ours['p99_ms'] / floor['p99_ms']:.2f}× the loop"
        out.append((f"scheduler lateness, 100 jobs/s ({ours['count']:,} jobs)",
                    f"p50 {ours['p50_ms']:.1f} ms, p99 {ours['p99_ms']:.1f} ms", beside, ratios,
                    "p99 ≤ 5 ms and ≤ 0.5×", _holds(_steady_holds(ours, peer))))
    for name, ours, peer, floor, to_floor, to_peer in _instants(r):
        out.append((f"{name.split()[1]} jobs due at one instant",
                    f"p50 {ours['p50_ms']:.0f} ms, p99 {ours['p99_ms']:.0f} ms",
                    f"bare loop: p99 {floor['p99_ms']:.0f} ms; APScheduler 3: p99 {peer['p99_ms']:.0f} ms",
                    f"{to_floor:.2f}× the loop, {to_peer:.2f}× APScheduler", "≤ 1.1× the loop, ≤ 0.8× APScheduler",
                    _holds(_instant_holds(to_floor, to_peer))))
    starts = r.get("startup_ms")
    if starts:
        median = starts[len(starts) // 2]
        out.append((f"process start → first 200 with {big:,} jobs in the store",
                    f"median {median:.0f} ms of 5 ({', '.join(f'{s:.0f}' for s in starts)})", "–", "–", "≤ 50 ms",
                    _holds(median <= 50)))
    idle, full = r.get("rss_idle"), r.get("rss_big")
    if idle and full:
        ours_idle, peer_idle = idle["jobsmith"], idle["flask-apscheduler"]
        ours_full, peer_full = full["jobsmith"], full["flask-apscheduler"]
        # A reading of 0 means no process of the peer's group was found: no ratio, and no "yes".
        shown = lambda mib: f"{mib:.1f} MiB" if mib else "not read"
        ratio = lambda ours, peer: f"{ours / peer:.2f}×" if peer else "–"
        out.append((f"RSS idle / with {big:,} jobs", f"{ours_idle:.1f} MiB / {ours_full:.1f} MiB",
                    f"Flask-APScheduler (gunicorn, all processes): {shown(peer_idle)} / {shown(peer_full)}",
                    f"{ratio(ours_idle, peer_idle)} / {ratio(ours_full, peer_full)}", "≤ 20 / ≤ 60 MiB, ≤ 0.5×",
                    _holds(ours_idle <= 20 and ours_full <= 60 and peer_idle > 0 and peer_full > 0
                           and ours_idle / peer_idle <= 0.5 and ours_full / peer_full <= 0.5)))
    requests = _request_counts()
    if requests:
        out.append(requests)
    soaked = r.get("soak")
    if soaked:
        out.append(_soak_row(soaked))
    out += lambda_rows(r)
    return out


def _request_counts():
    """The table the AWS request-count test keeps true in docs/dynamodb.md, summed up."""
    try:
        text = open(os.path.join(ROOT, "docs", "dynamodb.md")).read()
    except OSError:
        return None
    start, end = text.find("<!-- requests:begin -->"), text.find("<!-- requests:end -->")
    rows = [line.split("|")[1:-1] for line in text[start:end].splitlines() if line.startswith("| `")]
    if not rows:
        return None
    cells = {row[0].strip(): [c.strip() for c in row[1:]] for row in rows}
    get = cells.get("`GET /api/job/{job_id}`")
    scans = [route for route, c in cells.items() if re.search(r"\bScan\b", c[0])]
    totals = sorted(int(c[-1]) for c in cells.values())
    # One request: a GetItem, or the BatchGetItem that reads the job with the delete watermark.
    get_ok = get is not None and get[0] in ("GetItem 1", "BatchGetItem 1") and get[-1] == "1"
    return ("requests to DynamoDB, S3, Scheduler per API operation (counted at the adapter on moto, "
            "`tests/tests/aws_functions/request_counts.rs`)",
            f"{len(cells)} routes; `GET /api/job/{{id}}`: {get[0] if get else '?'}; "
            f"{'Scan in ' + ', '.join(scans) if scans else 'no Scan in any'}; "
            f"median {totals[len(totals) // 2]} requests, most {totals[-1]}", "–", "–",
            "table in docs/dynamodb.md; no Scan; get = 1 read", _holds(get_ok and not scans))


def _soak_row(s):
    rss_flat = s["rss_late_mib"] <= s["rss_early_mib"] * 1.1
    fds_flat = s["fds_late"] <= s["fds_early"] + 2
    faults = s["lost"] + s["doubled"] + s["unrecorded"] + s["silent"]
    statuses = ", ".join(f"{count:,} {status}" for status, count in sorted(s["statuses"].items()))
    return (f"soak: {s['jobs']:,} interval jobs firing every minute for {s['minutes']} min",
            f"{s['executions']:,} executions ({statuses}); lost {s['lost']}, doubled {s['doubled']}, "
            f"unrecorded {s['unrecorded']}, silent {s['silent']}; RSS {s['rss_early_mib']:.1f} → {s['rss_late_mib']:.1f} MiB "
            f"(max {s['rss_max_mib']:.1f}); fds {s['fds_early']} → {s['fds_late']} (max {s['fds_max']})",
            "–", "–", "none lost or doubled; RSS and fds flat (late ≤ early + 10 % / + 2)",
            _holds(faults == 0 and rss_flat and fds_flat))



def lambda_rows(r):
    out = []
    start = r.get("lambda start")
    if start:
        functions = start["functions"]
        slowest = max(functions, key=lambda f: f["median_ms"])
        worst = max(functions, key=lambda f: f["max_ms"])
        medians = sorted(f["median_ms"] for f in functions)
        within = sum(m <= 30 for m in medians)
        figures = (f"medians {medians[0]:.1f} to {medians[-1]:.1f} ms (slowest: {slowest['name']}); "
                   f"max {worst['max_ms']:.1f} ms ({worst['name']}); {within} of {len(functions)} within 30 ms")
        # Results written before the relays timed the services have no own part.
        if all("own_median_ms" in f for f in functions):
            own = sorted(f["own_median_ms"] for f in functions)
            own_within = sum(m <= 30 for m in own)
            figures += (f"; less the waits on moto and the invoke stub: medians {own[0]:.1f} to {own[-1]:.1f} ms, "
                        f"{own_within} of {len(functions)} within 30 ms")
        out.append((f"each Lambda's process start → first answered invocation, local Runtime API, moto on loopback "
                    f"({len(functions)} functions × {start['runs']} fresh processes, {start['build']})",
                    figures, "–", "–", "≤ 30 ms each", _holds(slowest["median_ms"] <= 30)))
    sizes = r.get("lambda sizes")
    if sizes:
        zipped = sizes.get("zipped_mib")
        if zipped:
            largest = max(zipped, key=zipped.get)
            # sizes.sh --partial names what a prebuild of some functions left out.
            unmeasured = re.search(r"Not built, so not measured: (\d+) functions", sizes.get("how", ""))
            counted = f"{len(zipped)} of {len(zipped) + int(unmeasured.group(1))}" if unmeasured else str(len(zipped))
            verdict = _holds(zipped[largest] <= 4)
            if unmeasured and zipped[largest] <= 4:
                verdict = f"open: {unmeasured.group(1)} not measured"
            out.append((f"each Lambda's zipped size (release, arm64; {counted} functions, `infra/aws/sizes.sh`)",
                        f"largest {zipped[largest]:.2f} MiB ({largest})", "–", "–", "≤ 4 MiB each", verdict))
        else:
            out.append(("each Lambda's zipped size (release, arm64)", f"not measured: {sizes['missing']}", "–", "–",
                        "≤ 4 MiB each", "–"))
    return out


def misses(r):
    """For each row that misses its target: what limits it, from this run's figures, and what would
    move it. The longer story of each is in the notes."""
    out = []
    cores = os.cpu_count() or 1
    steady = r.get("lateness steady")
    if steady and "floor" in steady:
        ours, peer, floor = steady["jobsmith"], steady["apscheduler"], steady["floor"]
        if not _steady_holds(ours, peer):
            out.append(f"- **Scheduler lateness, 100 jobs/s.** Half APScheduler's p99 is {peer['p99_ms'] / 2:.1f} ms; "
                       f"the bare loop, which only sleeps and starts the script, reached p99 {floor['p99_ms']:.1f} ms. "
                       f"What every scheduler's figure is made of is mostly bash's own start-up before its stamp, "
                       f"so what would move the row is a cheaper script than bash, not the scheduler; jobsmith's own "
                       f"part is what it adds to the loop ({ours['p99_ms'] - floor['p99_ms']:+.1f} ms at p99).")
    for _, ours, peer, floor, to_floor, to_peer in _instants(r):
        if _instant_holds(to_floor, to_peer):
            continue
        count = ours["count"]
        line = f"- **{count:,} jobs due at one instant.**"
        scripts = floor.get("scripts_cpu_ms")
        if scripts:
            share, target = scripts / cores, 0.8 * peer["p99_ms"]
            line += (f" The loop's children, each script from its fork to its exit, took {scripts / count:.2f} ms "
                     f"of CPU each, {share:.0f} ms of all {cores} cores for the {count:,}: no scheduler's p99 can be "
                     f"much below that here. 0.8× APScheduler is {target:.0f} ms"
                     + (", less than that share." if target < share else "."))
        if to_peer > 0.8:
            peer_to_floor = peer["p99_ms"] / floor["p99_ms"]
            allowed = 0.8 * peer_to_floor
            line += (f" APScheduler ran at {peer_to_floor:.2f}× the bare loop, so 0.8× APScheduler is "
                     f"{allowed:.2f}× the loop: "
                     + ("faster than the loop itself, which does nothing but start the scripts"
                        if allowed < 1 else
                        f"{(allowed - 1) * 100:.0f} % over the loop for all of a scheduler's own work per start")
                     + "; what would move that half is a cheaper script than bash.")
        if to_floor > 1.1:
            line += (f" Beside the loop, what jobsmith adds per start (its records, pipes and process start; "
                     f"p99 {ours['p99_ms'] - floor['p99_ms']:+.0f} ms) sets the ratio, and one run's rounds swing "
                     f"by 10 to 15 % here; the notes say what was taken out of it and what is left.")
        out.append(line)
    start = r.get("lambda start")
    if start and any(f["median_ms"] > 30 for f in start["functions"]):
        slow = [f for f in start["functions"] if f["median_ms"] > 30]
        if all("own_median_ms" in f for f in slow):
            own_over = [f["name"] for f in slow if f["own_median_ms"] > 30]
            line = (f"- **Each Lambda's start-up.** {len(slow)} of {len(start['functions'])} functions take over "
                    f"30 ms; less the waits on moto and the invoke stub, "
                    + (f"{', '.join(own_over)} still do." if own_over else "none does.")
                    + " moto is Python and answers a request in several milliseconds, so the functions that send "
                    "most requests before their answer take longest; a faster stand-in for the services, or the "
                    "services themselves, would move the row.")
            out.append(line)
    return ["## Where a target is missed", "", *out, ""] if out else []


def lambda_details(r):
    """Each function's start-up, the figures behind the row."""
    start = r.get("lambda start")
    if not start:
        return []
    lines = ["## Lambda start-up per function", "",
             f"`bench/lambda-start` ({start['build']}): each run spawns the binary with the variables "
             f"template.yaml gives it and hands it its sample event from infra/aws/local/events; "
             f"{start['runs']} runs each, in milliseconds. Own: the run less the time some request to moto "
             f"or the invoke stub was under way, timed by relays in front of them (`bench/lambda-start/src/"
             f"service_time.rs`).", "",
             "| function | median | max | own (median) | runs | answers |", "|---|--:|--:|--:|---|---|"]
    for f in start["functions"]:
        answers = sorted(set(f["answers"]), key=f["answers"].index)
        own = f"{f['own_median_ms']:.1f}" if "own_median_ms" in f else "–"
        lines.append(f"| {f['name']} | {f['median_ms']:.1f} | {f['max_ms']:.1f} | {own} | "
                     f"{', '.join(f'{ms:.1f}' for ms in f['runs_ms'])} | {', '.join(answers)} |")
    return lines + [""]


def header():
    """What the report says of the run: when, where, with what; kept with --results so that a report
    written again later still says it of the run that measured."""
    return {"date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "machine": machine(),
            "load average at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()), **versions()}


def write(path, results, big, commands, notes, about):
    lines = ["# Benchmarks", "",
             "Written by `bench/run.sh`; not part of CI. Each peer runs in the same run as jobsmith, "
             "their rounds alternating, so a noisy machine hurts both alike. A ratio is the headline; "
             "absolute figures are context. All traffic stays on 127.0.0.1.", ""]
    lines += [f"- {name}: {value}" for name, value in about.items()]
    lines += ["", "| measurement | jobsmith | peer in the same run | ratio | target | holds |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results, big)]
    lines += [""] + misses(results) + lambda_details(results)
    lines += ["## Commands", "", "```", *commands, "```", ""]
    if notes:
        lines += ["## Notes", "", *notes, ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
