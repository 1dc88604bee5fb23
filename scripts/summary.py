"""An example job (task function 2, script.python): what main() returns is the run's result."""

import os
import platform
import shutil


def main(*args):
    here = os.getcwd()
    return {
        "args": list(args),
        "python": platform.python_version(),
        "cwd": here,
        "free_mib": shutil.disk_usage(here).free // (1024 * 1024),
    }
