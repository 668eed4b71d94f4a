#!/usr/bin/env python3
"""Cut Twilio's Conversations v1 OpenAPI description down to the operations Parley's router serves.

Usage: tools/fuzz/spec.py [--routes FILE] [SOURCE] [OUTPUT]
  --routes FILE  the served routes, one "METHOD /path" a line as `parley routes` prints them ("-": stdin);
                 default: the output of `$PARLEY_BINARY routes` (PARLEY_BINARY defaults to .build/debug/parley)
  SOURCE         twilio_conversations_v1.json (default ../shared/reference/twilio_conversations_v1.json)
  OUTPUT         default tools/fuzz/parley-openapi.json (committed, so CI needs no copy of the reference)

The list of operations is the router's own (Hummingbird's route table), never a hand-written one, so a new route is
fuzzed once the cut is regenerated; FuzzCutTests fails until it is. Served routes the description does not have
(health, inbound webhooks, media, the client API) are listed under `x-parley-not-in-spec`, so that test can tell a
route that is not Twilio's from one the cut forgot.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
METHODS = ("get", "post", "delete", "put", "patch")


def shape(method, path):
    """`GET /v1/Conversations/:conversationSid` and `GET /v1/Conversations/{Sid}` alike: `GET /v1/Conversations/{}`.

    Hummingbird names a parameter `:name` (or `{name}`), the description `{Name}`, and the names differ
    (`:conversationSid` vs `{Sid}`), so paths are matched by their literal segments and where the parameters are.
    """
    segments = ["{}" if re.fullmatch(r":.+|\{.+\}", s) else s for s in path.strip("/").split("/")]
    return f"{method.upper()} /{'/'.join(segments)}"


def served_routes(source):
    if source == "-":
        text = sys.stdin.read()
    elif source:
        text = open(source).read()
    else:
        binary = os.environ.get("PARLEY_BINARY", os.path.join(ROOT, ".build", "debug", "parley"))
        text = subprocess.run([binary, "routes"], check=True, capture_output=True, text=True).stdout
    routes = []
    for line in text.splitlines():
        if line.strip():
            method, path = line.split(None, 1)
            routes.append((method.upper(), path.strip()))
    if not routes:
        sys.exit("spec.py: no served routes read")
    return routes


def strip_descriptions(node):
    """Prose is not needed to generate requests; dropping it keeps the committed file small."""
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if k in ("description", "summary") and isinstance(v, str)]:
            del node[key]
        for value in node.values():
            strip_descriptions(value)
    elif isinstance(node, list):
        for value in node:
            strip_descriptions(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--routes")
    parser.add_argument("source", nargs="?", default=os.path.join(ROOT, "..", "shared", "reference", "twilio_conversations_v1.json"))
    parser.add_argument("output", nargs="?", default=os.path.join(HERE, "parley-openapi.json"))
    args = parser.parse_args()

    spec = json.load(open(args.source))
    operations = {}  # shape -> (path, method) in the description
    for path, item in spec["paths"].items():
        for method in item:
            if method in METHODS:
                key = shape(method, path)
                if key in operations:
                    sys.exit(f"spec.py: {path} and {operations[key][0]} have the same shape; match them by name")
                operations[key] = (path, method)

    served = served_routes(args.routes)
    wanted, not_in_spec = {}, []
    for method, path in served:
        found = operations.get(shape(method, path))
        if found:
            wanted.setdefault(found[0], set()).add(found[1])
        else:
            not_in_spec.append(f"{method} {path}")

    paths = {}
    for path, item in spec["paths"].items():
        if path in wanted:
            paths[path] = {k: v for k, v in item.items() if k not in METHODS or k in wanted[path]}
    spec["paths"] = paths
    spec["servers"] = [{"url": "http://127.0.0.1:8080"}]
    spec["x-parley-not-in-spec"] = sorted(not_in_spec, key=lambda line: (line.split(" ", 1)[1], line))
    # Keep only the schemas the kept operations reach.
    schemas = spec.get("components", {}).get("schemas", {})
    reached, todo = set(), [paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in reached:
                    reached.add(name)
                    todo.append(schemas.get(name, {}))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    spec["components"]["schemas"] = {k: v for k, v in schemas.items() if k in reached}
    strip_descriptions(spec)
    with open(args.output, "w") as f:
        json.dump(spec, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    kept = sum(len(methods) for methods in wanted.values())
    missing = sorted(f"{m.upper()} {p}" for key, (p, m) in operations.items() if p not in wanted or m not in wanted[p])
    print(f"{args.output}: {len(paths)} paths, {kept} of the description's {len(operations)} operations "
          f"({len(not_in_spec)} served routes are not in it)")
    for line in missing:
        print(f"  not served: {line}")


if __name__ == "__main__":
    main()
