#!/usr/bin/env bash
# An example job (task function 1, script.bash, with `"script_path": "hello.sh"`). Jobs run the
# scripts of this folder: `jobsmith serve` from the repository root reads it as ./scripts, and on
# AWS `sam build` packages it as the executor's scripts layer (docs/aws.md, "Task runtime").
set -euo pipefail
echo "hello ${*:-world}, from $(uname -sm) in $PWD, attempt ${JOBSMITH_ATTEMPT:-?}"
