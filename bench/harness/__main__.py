"""python -m harness [--quick] [--out FILE] [--only SECTION] [--results FILE]: run the suite and write
the report (bench/run.sh calls it)."""

import argparse
import json
import os
import shutil
import sys

from . import report
from .servers import ROOT
from .suite import Suite

NOTES_FILE = os.path.join(ROOT, "bench", "notes.md")
# "lambda" is each function's start-up on this machine; "sizes" its arm64 zip, which needs the
# hour-long `infra/aws/sam.sh prebuild` first and so can be measured on its own.
SECTIONS = ["http", "memory", "lateness", "soak", "lambda", "sizes"]


def main():
    parser = argparse.ArgumentParser(prog="bench/run.sh")
    parser.add_argument("--quick", action="store_true", help="small counts and short runs, to try the suite out")
    parser.add_argument("--out", help="the report (default: BENCHMARKS.md; with --quick, bench/quick.md)")
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="run only these sections (repeatable)")
    parser.add_argument("--results", help="a JSON file of earlier sections' figures: read before the run, the "
                        "sections run now replace theirs, and written back; the report covers them all")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: write the report again from --results (after editing bench/notes.md)")
    args = parser.parse_args()
    if args.report_only and not args.results:
        parser.error("--report-only needs --results")
    quick = args.quick
    out = args.out or (os.path.join(ROOT, "bench", "quick.md") if quick else os.path.join(ROOT, "BENCHMARKS.md"))
    suite = Suite(quick=quick, rounds=1 if quick else 3, seconds=3 if quick else 10,
                  big=10_000 if quick else 100_000, log=lambda line: print(line, flush=True))
    sections = [] if args.report_only else args.only or SECTIONS
    earlier = _read_results(args.results)
    try:
        if "http" in sections:
            suite.run_http()
        if "memory" in sections:
            suite.run_memory_and_listing()
        if "lateness" in sections:
            suite.run_lateness(rate=100, seconds=5 if quick else 30, instants=[100] if quick else [300, 1000])
        if "soak" in sections:
            suite.run_soak(jobs=500 if quick else 10_000, minutes=2 if quick else 10)
        if "lambda" in sections:
            suite.run_lambda()
        if "sizes" in sections:
            suite.run_sizes()
    finally:
        suite.stop_all()
        shutil.rmtree(suite.work, ignore_errors=True)
    results = {**earlier.get("results", {}), **suite.results}
    commands = earlier.get("commands", [])
    if not args.report_only:
        commands = commands + [f"bench/run.sh {' '.join(sys.argv[1:])}   # at {report.commit()}"]
    about = _about(earlier.get("about"), sections, args)
    if args.results:
        with open(args.results, "w") as f:
            json.dump({"results": results, "commands": commands, "about": about}, f, indent=1)
    notes = open(NOTES_FILE).read().splitlines() if os.path.exists(NOTES_FILE) else []
    report.write(out, results, suite.big, commands, notes, about)
    print(f"wrote {out}")


def _about(before, sections, args):
    """The report's header. Measuring some sections again into earlier results says which commit
    measured the others, so that the header does not claim them for the new one."""
    if args.report_only and before:
        return before
    about = report.header()
    if args.only and before and before.get("jobsmith") != about["jobsmith"]:
        about["jobsmith"] = f"{about['jobsmith']} ({', '.join(sections)}); the other sections at {before['jobsmith']}"
    return about


def _read_results(path):
    """What an earlier run with the same --results file measured, or nothing."""
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


main()
