#!/usr/bin/env python3
"""Parse Prometheus text exposition format from stdin with the reference parser, print it as JSON.

The integration tests (tests/observability.rs) pipe Kotopolku's GET /metrics through this, so that
the hand-written exposition is checked by an independent implementation rather than by the code that
wrote it. It needs prometheus_client (scripts/test installs it in target/test-python):

    target/test-python/bin/python3 tools/parse-metrics.py < metrics.txt

Output: a JSON list of families, in the order they came, each
{"name", "type", "documentation", "samples": [{"name", "labels", "value"}]}. Counter families are
named without `_total` (the parser's convention); their samples keep it. A parse error is a Python
exception: a non-zero exit with the traceback on stderr.
"""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(value):
    """A sample value for JSON, which has no infinities or NaN: those become strings."""
    if math.isinf(value) or math.isnan(value):
        return str(value)
    return value


def main():
    text = sys.stdin.read()
    families = []
    for family in text_string_to_metric_families(text):
        families.append(
            {
                "name": family.name,
                "type": family.type,
                "documentation": family.documentation,
                "samples": [
                    {"name": sample.name, "labels": dict(sample.labels), "value": number(sample.value)}
                    for sample in family.samples
                ],
            }
        )
    json.dump(families, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
