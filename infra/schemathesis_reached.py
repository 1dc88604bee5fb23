"""Whether the first run of infra/schemathesis.sh reached what infra/schemathesis_seed.py stored:
every operation of FIRST_RUN must have sent at least one request naming a seeded thing and
had an answer other than 404 for it. A 400 counts (a finished run cannot be cancelled, an
uploaded video not retried): the handler found the thing. Without this, a seeding that silently
stored nothing, or hooks that stopped applying, would leave those routes answering 404 only,
and the run would still pass.

  schemathesis_reached.py HAR_DIR KNOWN.json

HAR_DIR holds the run's `--report har` file. Prints one line per operation; exits 1 if one was
not reached.
"""

import glob
import json
import re
import sys
import urllib.parse

from schemathesis_hooks import ADDRESSED, FIRST_RUN


def template_pattern(path):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^?#]+)", re.escape(path)) + "$")


def main(har_dir, known_file):
    with open(known_file) as f:
        known = json.load(f)
    entries = []
    for har in glob.glob(f"{har_dir}/*.json"):
        with open(har) as f:
            entries += json.load(f)["log"]["entries"]
    unreached = []
    for name in FIRST_RUN:
        method, path = name.split(" ", 1)
        parameter_kind = ADDRESSED[(method, path)][1]
        seeded = set(known.get(parameter_kind, []))
        pattern = template_pattern(path)
        statuses = []
        for entry in entries:
            if entry["request"]["method"] != method:
                continue
            url_path = urllib.parse.urlsplit(entry["request"]["url"]).path
            found = pattern.match(url_path)
            if found and urllib.parse.unquote(found.group(1)) in seeded:
                statuses.append(entry["response"]["status"])
        answered = sorted({s for s in statuses if s != 404})
        print(f"{name}: {len(statuses)} requests named one of the {parameter_kind}; answers but 404: {answered or 'none'}")
        if not answered:
            unreached.append(name)
    if unreached:
        sys.exit(f"schemathesis_reached.py: never reached what the seeding stored: {', '.join(unreached)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    main(*sys.argv[1:])
