#!/usr/bin/env python3
"""Cut Twilio's Conversations v1 OpenAPI description down to the operations Parley implements.

Usage: tools/fuzz/spec.py [SOURCE] [OUTPUT]
  SOURCE  twilio_conversations_v1.json (default ../shared/reference/twilio_conversations_v1.json)
  OUTPUT  default tools/fuzz/parley-openapi.json (committed, so CI needs no copy of the reference)
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "reference", "twilio_conversations_v1.json")
OUTPUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "parley-openapi.json")

# Paths (under /v1 and /v1/Services/{ChatServiceSid}) and the methods Parley serves.
IMPLEMENTED = {
    "/Conversations": {"get", "post"},
    "/Conversations/{Sid}": {"get", "post", "delete"},
    "/Conversations/{ConversationSid}/Messages": {"get", "post"},
    "/Conversations/{ConversationSid}/Messages/{Sid}": {"get", "post", "delete"},
    "/Conversations/{ConversationSid}/Participants": {"get", "post"},
    "/Conversations/{ConversationSid}/Participants/{Sid}": {"get", "post", "delete"},
    "/ConversationWithParticipants": {"post"},
    "/ParticipantConversations": {"get"},
    "/Roles": {"get", "post"},
    "/Roles/{Sid}": {"get", "post", "delete"},
    "/Users": {"get", "post"},
    "/Users/{Sid}": {"get", "post", "delete"},
    "/Users/{UserSid}/Conversations": {"get"},
    "/Users/{UserSid}/Conversations/{ConversationSid}": {"get", "post", "delete"},
}
ACCOUNT_LEVEL = {
    "/v1/Configuration": {"get", "post"},
    "/v1/Services": {"get", "post"},
    "/v1/Services/{Sid}": {"get", "delete"},
    "/v1/Services/{ChatServiceSid}/Configuration": {"get", "post"},
}


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
    spec = json.load(open(SOURCE))
    wanted = dict(ACCOUNT_LEVEL)
    for path, methods in IMPLEMENTED.items():
        wanted["/v1" + path] = methods
        wanted["/v1/Services/{ChatServiceSid}" + path] = methods
    paths = {}
    for path, item in spec["paths"].items():
        if path not in wanted:
            continue
        kept = {k: v for k, v in item.items() if k not in ("get", "post", "delete", "put", "patch") or k in wanted[path]}
        paths[path] = kept
    spec["paths"] = paths
    spec["servers"] = [{"url": "http://127.0.0.1:8080"}]
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
    with open(OUTPUT, "w") as f:
        json.dump(spec, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    operations = sum(1 for item in paths.values() for k in item if k in ("get", "post", "delete"))
    print(f"{OUTPUT}: {len(paths)} paths, {operations} operations")


if __name__ == "__main__":
    main()
