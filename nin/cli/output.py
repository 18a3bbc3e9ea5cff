"""How the benchmark scripts print a result: one JSON line (`--json`),
or one aligned `key  value` line per entry."""

import json


def print_result(result, as_json=False):
    if as_json:
        print(json.dumps(result))
        return
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
