#!/usr/bin/env python3
"""Give the fuzzer real resources to hit: create one of each kind, then write a schemathesis config binding path parameters to them.

Usage: tools/fuzz/seed.py BASE_URL ACCOUNT_SID AUTH_TOKEN CUT CONFIG_OUT

Generated SIDs name nothing, so without this nearly every operation with a path parameter answers 404, and
`response_schema_conformance` never sees the resources those operations answer with (a webhook, a receipt, an address
configuration...). The world made here: in the default Service (the `/v1/...` family) and in a second Service (the
`/v1/Services/{ChatServiceSid}/...` family) a conversation with a chat participant, an SMS participant, a message (so a
delivery receipt), a user in it, a role and a conversation webhook; plus an address configuration, a push credential and,
in the second Service, a device binding registered by a chat user (its token from `parley token`, with PARLEY_BINARY and
FUZZ_DB naming the binary and the server's database; without them no binding is seeded). Each path parameter of
the cut (CUT, tools/fuzz/parley-openapi.json) is bound to the matching SID with a probability, so generated values still
get their share (404 and 400 paths stay fuzzed). DELETE is left unbound, so the world is not removed under the run.
"""
import base64
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

PROBABILITY = 0.7  # of using the seeded SID rather than a generated value


class API:
    def __init__(self, base, sid, token):
        self.base = base.rstrip("/")
        self.auth = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()

    def call(self, method, path, form=(), authorization=None):
        data = urllib.parse.urlencode(list(form)).encode() if method == "POST" else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={"Authorization": authorization or self.auth})
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def post(self, path, *form):
        return self.call("POST", path, form)

    def get(self, path):
        return self.call("GET", path)


def make_world(api, root, tag, service):
    """One of each resource under `root` (`/v1` or `/v1/Services/IS...`); returns their SIDs by kind."""
    conversation = api.post(f"{root}/Conversations", ("FriendlyName", f"fuzz {tag}"), ("UniqueName", f"fuzz-{tag}"))["sid"]
    participant = api.post(f"{root}/Conversations/{conversation}/Participants", ("Identity", f"fuzz-{tag}"))["sid"]
    # A second chat user for `/Users/{UserSid}/Conversations/{ConversationSid}`: when the fuzzer makes it leave, the
    # participant the other operations are bound to stays.
    user = api.post(f"{root}/Users", ("Identity", f"fuzz-{tag}-member"))["sid"]
    api.post(f"{root}/Conversations/{conversation}/Participants", ("Identity", f"fuzz-{tag}-member"))
    api.post(f"{root}/Conversations/{conversation}/Participants",
             ("MessagingBinding.Address", "+15550100" + ("1" if tag == "default" else "2") + "01"),
             ("MessagingBinding.ProxyAddress", "+15550100" + ("1" if tag == "default" else "2") + "02"))
    message = api.post(f"{root}/Conversations/{conversation}/Messages", ("Author", f"fuzz-{tag}"), ("Body", "hello"))["sid"]
    receipts = api.get(f"{root}/Conversations/{conversation}/Messages/{message}/Receipts")["delivery_receipts"]
    role = api.post(f"{root}/Roles", ("FriendlyName", f"fuzz {tag}"), ("Type", "conversation"), ("Permission", "sendMessage"))["sid"]
    # .invalid never resolves: a webhook the fuzzer enables fails fast instead of calling out.
    webhook = api.post(f"{root}/Conversations/{conversation}/Webhooks", ("Target", "webhook"),
                       ("Configuration.Url", "https://fuzz.invalid/hook"))["sid"]
    return {"ChatServiceSid": service, "Conversations": conversation, "Users": user, "Participants": participant,
            "Messages": message, "Receipts": receipts[0]["sid"], "Roles": role, "Webhooks": webhook}


def sid_for(path, name, world, address, services):
    """The seeded SID a path parameter names: by its name, or for `{Sid}` by the collection before it."""
    segments = path.split("/")
    if name == "Sid":
        collection = segments[segments.index("{Sid}") - 1]
        if collection == "Addresses":
            return address
        if collection == "Services":
            return services
        return world[collection]
    return {"ChatServiceSid": world["ChatServiceSid"], "ConversationSid": world["Conversations"],
            "MessageSid": world["Messages"], "UserSid": world["Users"]}[name]


def seed_push(api, service, worlds):
    """A push credential (a legacy FCM key: never called out to) and, in `service`, a binding a chat user registered."""
    credential = api.post("/v1/Credentials", ("Type", "fcm"), ("FriendlyName", "fuzz"), ("Secret", "fuzz-legacy-server-key"))["sid"]
    worlds["default"]["Credentials"] = worlds["service"]["Credentials"] = credential
    binary, database = os.environ.get("PARLEY_BINARY"), os.environ.get("FUZZ_DB")
    if not (binary and database):
        return
    token = subprocess.run([binary, "token", "--db", database, "--identity", "fuzz-service", "--service", service],
                           check=True, capture_output=True, text=True).stdout.strip()
    binding = api.call("POST", "/client/v1/PushBindings", [("BindingType", "fcm"), ("Address", "fuzz-device-token"),
                                                           ("CredentialSid", credential)], authorization=f"Bearer {token}")
    worlds["service"]["Bindings"] = binding["sid"]


def toml(value):
    return json.dumps(value)  # a JSON string or array of strings is valid TOML


def main():
    base, account, token, cut_path, out = sys.argv[1:6]
    api = API(base, account, token)
    default_service = api.get("/v1/Configuration")["default_chat_service_sid"]
    service = api.post("/v1/Services", ("FriendlyName", "fuzz"))["sid"]
    worlds = {"default": make_world(api, "/v1", "default", default_service),
              "service": make_world(api, f"/v1/Services/{service}", "service", service)}
    seed_push(api, service, worlds)
    address = api.post("/v1/Configuration/Addresses", ("Type", "sms"), ("Address", "+15550100999"),
                       ("AutoCreation.Enabled", "true"))["sid"]

    cut = json.load(open(cut_path))
    dictionaries, operations = {}, []
    for path, item in sorted(cut["paths"].items()):
        names = [segment[1:-1] for segment in path.split("/") if segment.startswith("{")]
        if not names:
            continue
        world = worlds["service" if path.startswith("/v1/Services/{ChatServiceSid}/") else "default"]
        parameters = {}
        for name in names:
            try:
                sid = sid_for(path, name, world, address, service)
            except (KeyError, ValueError):
                sys.exit(f"seed.py: no seeded resource for {{{name}}} in {path}: teach sid_for about it")
            dictionaries[sid] = sid
            parameters[f"path.{name}"] = f'{{ dictionary = {toml(sid)}, probability = {PROBABILITY} }}'
        methods = sorted(m.upper() for m in item if m in ("get", "post"))
        if methods:
            operations.append(([f"{m} {path}" for m in methods], parameters))

    # The `/v1/...` world lives in the default Service: a generated DefaultChatServiceSid would move the family elsewhere.
    dictionaries[default_service] = default_service
    operations.append((["POST /v1/Configuration"], {"body.DefaultChatServiceSid": f"{{ dictionary = {toml(default_service)} }}"}))

    lines = []
    for name, sid in sorted(dictionaries.items()):
        lines += [f"[dictionaries.{toml(name)}]", f"values = [{toml(sid)}]", ""]
    for names, parameters in operations:
        lines += ["[[operations]]", f"include-name = {toml(names)}", "[operations.parameters]"]
        lines += [f"{toml(key)} = {value}" for key, value in parameters.items()]
        lines.append("")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print(f"seed.py: {len(dictionaries)} seeded resources bound in {len(operations)} paths")


if __name__ == "__main__":
    main()
