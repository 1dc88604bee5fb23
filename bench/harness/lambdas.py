"""The Lambda functions: each one's start-up under a local Runtime API (bench/lambda-start), and
each one's zipped size from infra/aws/sizes.sh when an arm64 release build is there to measure."""

import json
import os
import re
import subprocess

from .servers import ROOT, TARGET

START_BENCH = os.path.join(TARGET, "debug", "bench-lambda-start")
# The binaries bench/run.sh builds; BENCH_LAMBDA_BIN_DIR measures others (another profile's).
FUNCTIONS_DIR = os.environ.get("BENCH_LAMBDA_BIN_DIR", os.path.join(TARGET, "debug"))
SIZES = os.path.join(ROOT, "infra", "aws", "sizes.sh")
# A table row of sizes.sh: | name | bootstrap MiB | zipped MiB[ (over 4 MiB)] |
SIZE_ROW = re.compile(r"^\| ([a-z0-9-]+) \| ([\d.]+) \| ([\d.]+)( \(over 4 MiB\))? \|$")


def startup(runs):
    """Every function of template.yaml, `runs` fresh processes each; the program's JSON report."""
    done = subprocess.run([START_BENCH, "--bin-dir", FUNCTIONS_DIR, "--runs", str(runs)], stdout=subprocess.PIPE,
                          text=True, timeout=45 * runs * 12)
    if done.returncode != 0:
        raise RuntimeError(f"bench-lambda-start failed ({done.returncode}); its messages are above")
    return json.loads(done.stdout)


def sizes():
    """{function: zipped MiB} of the last `infra/aws/sam.sh prebuild`, or why there are none."""
    done = subprocess.run([SIZES], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return {"missing": (done.stderr.strip().splitlines() or ["sizes.sh failed"])[-1]}
    zipped = {m.group(1): float(m.group(3)) for m in map(SIZE_ROW.match, done.stdout.splitlines()) if m}
    measured = next((line for line in done.stdout.splitlines() if line.startswith("Measured ")), "")
    return {"zipped_mib": zipped, "how": measured}
