"""python -m harness [--quick] [--out FILE]: run the suite and write the report (bench/run.sh calls it)."""

import argparse
import os
import shutil
import sys

from . import report
from .servers import ROOT
from .suite import Suite

NOTES_FILE = os.path.join(ROOT, "bench", "notes.md")


def main():
    parser = argparse.ArgumentParser(prog="bench/run.sh")
    parser.add_argument("--quick", action="store_true", help="small counts and short runs, to try the suite out")
    parser.add_argument("--out", help="the report (default: BENCHMARKS.md; with --quick, bench/quick.md)")
    parser.add_argument("--only", action="append", choices=["http", "memory", "lateness", "soak", "lambda"],
                        help="run only these sections (repeatable)")
    args = parser.parse_args()
    quick = args.quick
    out = args.out or (os.path.join(ROOT, "bench", "quick.md") if quick else os.path.join(ROOT, "BENCHMARKS.md"))
    suite = Suite(quick=quick, rounds=1 if quick else 3, seconds=3 if quick else 10,
                  big=10_000 if quick else 100_000, log=lambda line: print(line, flush=True))
    sections = args.only or ["http", "memory", "lateness", "soak", "lambda"]
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
    finally:
        shutil.rmtree(suite.work, ignore_errors=True)
    notes = open(NOTES_FILE).read().splitlines() if os.path.exists(NOTES_FILE) else []
    report.write(out, suite.results, suite.big, ["bench/run.sh " + " ".join(sys.argv[1:])], notes)
    print(f"wrote {out}")


main()
