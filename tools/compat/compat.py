#!/usr/bin/env python3
"""Wire-compatibility proof: drive a running Parley with the official, unmodified
`twilio` Python helper library (pinned in requirements.txt).

The library is pointed at Parley by handing `twilio.rest.Client` an HTTP client
that rewrites `https://conversations[.<edge>.<region>].twilio.com` to the local
base URL (see shared/reference/twilio-api.md section 15). Everything else
(parameter names, form encoding, paging, error parsing) is the library's own.

Environment:
    PARLEY_URL           base URL of the running server, e.g. http://127.0.0.1:8080
    PARLEY_ACCOUNT_SID   Account SID the server accepts (AC...)
    PARLEY_AUTH_TOKEN    its Auth Token
    PARLEY_WAIT          seconds to wait for the server's port to open (default 30)
    PARLEY_DB            the server's SQLite file; enables the `access_token` check (skipped without it),
                         which creates an API key there and verifies tokens with `parley token --verify`
    PARLEY_DATABASE      instead of PARLEY_DB: the server's postgres:// database (tools/compat/two-nodes.sh)
    PARLEY_BIN           the parley executable for that check (default: .build/debug/parley in the repo)

Usage:
    python compat.py [CHECK ...]     run all checks, or only the named ones
    python compat.py --list          print the check names

Output: one line per check, `ok   name`, `FAIL name: reason` or `skip name: reason`
(not counted), then `N passed, M failed`. Exit status 1 if any check failed, 2 on bad setup.
"""

import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
import traceback
import urllib.parse
import uuid

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import ChatGrant
from twilio.rest import Client

# --------------------------------------------------------------------------
# Redirecting HTTP client
# --------------------------------------------------------------------------

# https://conversations.twilio.com, https://conversations.us1.twilio.com,
# https://conversations.dublin.ie1.twilio.com, ...
_TWILIO_CONVERSATIONS = re.compile(
    r"^https://conversations(?:\.[A-Za-z0-9-]+)*\.twilio\.com(?=[/?#]|$)"
)


class RedirectingHttpClient(TwilioHttpClient):
    """TwilioHttpClient that sends Conversations requests to a local base URL.

    The library hands every request to `request()` with a full URL, including
    the absolute `meta.next_page_url` it follows when paging, so rewriting here
    covers generated calls and paging alike. URLs that already point somewhere
    else (e.g. a next_page_url on Parley's own host) pass through unchanged.
    """

    def __init__(self, base_url, timeout=30, **kwargs):
        super().__init__(timeout=timeout, **kwargs)
        self.base_url = base_url.rstrip("/")
        if self.session is not None:
            # A local server: ignore HTTP(S)_PROXY and friends from the environment.
            self.session.trust_env = False
        self.sent = []  # (METHOD, url after rewrite, query params) for every request

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        local = _TWILIO_CONVERSATIONS.sub(self.base_url, url, count=1)
        self.sent.append((method.upper(), local, dict(params or {})))
        return super().request(
            method,
            local,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


# --------------------------------------------------------------------------
# Check runner
# --------------------------------------------------------------------------

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


class CheckFailed(Exception):
    pass


class CheckSkipped(Exception):
    """The check cannot run in this setup (the reason says what is missing); counted neither way."""


class Ctx:
    """Per-check context: clients, unique names, deferred cleanup."""

    def __init__(self, base_url, account_sid, auth_token):
        self.base_url = base_url
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.http = RedirectingHttpClient(base_url)
        self.client = Client(account_sid, auth_token, http_client=self.http)
        self.conv = self.client.conversations.v1
        self._cleanups = []

    def defer(self, fn, *args, **kwargs):
        self._cleanups.append((fn, args, kwargs))

    def run_cleanups(self):
        # Best effort, newest first; a failing cleanup never fails the check.
        while self._cleanups:
            fn, args, kwargs = self._cleanups.pop()
            try:
                fn(*args, **kwargs)
            except Exception:
                pass


def suffix():
    return uuid.uuid4().hex[:12]


def phone():
    # +1555 numbers are fictional; random enough that reruns don't collide.
    return "+1555" + str(uuid.uuid4().int % 10**7).zfill(7)


def describe(exc):
    if isinstance(exc, TwilioRestException):
        return "TwilioRestException status={} code={} {} {}: {}".format(
            exc.status, exc.code, exc.method, exc.uri, exc.msg
        )
    if isinstance(exc, CheckFailed):
        return str(exc)
    return "{}: {}".format(type(exc).__name__, exc)


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed("{}: expected {!r}, got {!r}".format(what, expected, actual))


def expect_rest_error(fn, status, code=None, what="call"):
    """Run fn, expect TwilioRestException with the given HTTP status (and code)."""
    try:
        result = fn()
    except TwilioRestException as exc:
        if exc.status != status or (code is not None and exc.code != code):
            raise CheckFailed(
                "{}: expected status {} code {}, got {}".format(
                    what, status, code, describe(exc)
                )
            )
        return exc
    raise CheckFailed(
        "{}: expected TwilioRestException status {} code {}, call returned {!r}".format(
            what, status, code, result
        )
    )


def expect_datetime(obj, field, what):
    value = getattr(obj, field)
    expect(
        isinstance(value, datetime.datetime),
        "{}.{} should parse as datetime (YYYY-MM-DDTHH:MM:SSZ), got {!r}".format(
            what, field, value
        ),
    )


def expect_sid(value, prefix, what):
    expect(
        isinstance(value, str) and re.fullmatch(prefix + r"[0-9a-f]{32}", value) is not None,
        "{} should be {} + 32 lower-case hex, got {!r}".format(what, prefix, value),
    )


def expect_url(obj, path, what):
    url = obj.url
    expect(
        isinstance(url, str) and re.match(r"^https?://", url) is not None,
        "{}.url should be an absolute URL, got {!r}".format(what, url),
    )
    expect(
        urllib.parse.urlsplit(url).path.endswith(path),
        "{}.url should end with {!r}, got {!r}".format(what, path, url),
    )


def expect_links(obj, keys, what):
    links = obj.links
    expect(isinstance(links, dict), "{}.links should be an object, got {!r}".format(what, links))
    missing = [k for k in keys if not isinstance(links.get(k), str) or not links[k]]
    expect(not missing, "{}.links missing {} (got {!r})".format(what, missing, links))


def expect_json_attrs(value, expected, what):
    expect(
        isinstance(value, str),
        "{}.attributes should be a JSON string, got {!r}".format(what, value),
    )
    try:
        parsed = json.loads(value)
    except ValueError:
        raise CheckFailed("{}.attributes is not valid JSON: {!r}".format(what, value))
    expect_eq(parsed, expected, "{}.attributes (parsed)".format(what))


def new_service(t, name):
    svc = t.conv.services.create(friendly_name="compat-{}-{}".format(name, suffix()))
    t.defer(t.conv.services(svc.sid).delete)
    return svc


def new_conversation(t, conversations, **kwargs):
    kwargs.setdefault("friendly_name", "compat-" + suffix())
    conv = conversations.create(**kwargs)
    t.defer(conversations(conv.sid).delete)
    return conv


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


@check
def services(t):
    name = "compat-svc-" + suffix()
    svc = t.conv.services.create(friendly_name=name)
    t.defer(t.conv.services(svc.sid).delete)
    expect_sid(svc.sid, "IS", "service.sid")
    expect_eq(svc.friendly_name, name, "created service friendly_name")
    expect_eq(svc.account_sid, t.account_sid, "service.account_sid")
    expect_datetime(svc, "date_created", "service")
    expect_url(svc, "/v1/Services/" + svc.sid, "service")
    expect_links(svc, ["conversations", "users", "roles", "configuration"], "service")

    fetched = t.conv.services(svc.sid).fetch()
    expect_eq(fetched.sid, svc.sid, "fetched service sid")
    expect_eq(fetched.friendly_name, name, "fetched service friendly_name")

    listed = [s.sid for s in t.conv.services.list()]
    expect(svc.sid in listed, "services.list() did not include {}".format(svc.sid))

    expect_eq(t.conv.services(svc.sid).delete(), True, "services(IS).delete()")
    expect_rest_error(
        lambda: t.conv.services(svc.sid).fetch(), 404, 20404, "fetch deleted service"
    )


@check
def conversations(t):
    convs = t.conv.conversations
    sfx = suffix()
    unique = "compat-conv-" + sfx
    conv = convs.create(friendly_name="Compat " + sfx, unique_name=unique, attributes='{"k":1}')
    t.defer(convs(conv.sid).delete)
    expect_sid(conv.sid, "CH", "conversation.sid")
    expect_sid(conv.chat_service_sid, "IS", "conversation.chat_service_sid")
    expect_eq(conv.account_sid, t.account_sid, "conversation.account_sid")
    expect_eq(conv.friendly_name, "Compat " + sfx, "created friendly_name")
    expect_eq(conv.unique_name, unique, "created unique_name")
    expect_json_attrs(conv.attributes, {"k": 1}, "conversation")
    expect_eq(conv.state, "active", "default state")
    expect_datetime(conv, "date_created", "conversation")
    expect_datetime(conv, "date_updated", "conversation")
    expect_url(conv, "/v1/Conversations/" + conv.sid, "conversation")
    expect_links(conv, ["participants", "messages", "webhooks"], "conversation")

    by_sid = convs(conv.sid).fetch()
    expect_eq(by_sid.sid, conv.sid, "fetch by sid")
    expect_eq(by_sid.unique_name, unique, "fetch by sid: unique_name")
    expect_json_attrs(by_sid.attributes, {"k": 1}, "fetched conversation")
    by_name = convs(unique).fetch()
    expect_eq(by_name.sid, conv.sid, "fetch by unique_name")

    updated = convs(conv.sid).update(friendly_name="Renamed " + sfx, state="inactive")
    expect_eq(updated.friendly_name, "Renamed " + sfx, "updated friendly_name")
    expect_eq(updated.state, "inactive", "updated state")
    expect_json_attrs(updated.attributes, {"k": 1}, "updated conversation (attributes untouched)")
    expect_eq(convs(conv.sid).fetch().state, "inactive", "state after refetch")

    inactive = [c.sid for c in convs.list(state="inactive")]
    expect(conv.sid in inactive, "list(state='inactive') did not include the conversation")
    active = [c.sid for c in convs.list(state="active")]
    expect(conv.sid not in active, "list(state='active') included an inactive conversation")

    # Unique names are unique (code 50353; HTTP status not documented, so any 4xx).
    dup = expect_rest_error_any4xx(
        lambda: convs.create(unique_name=unique), "create duplicate unique_name"
    )
    expect_eq(dup.code, 50353, "duplicate unique_name error code")

    expect_eq(convs(conv.sid).delete(), True, "conversations(CH).delete()")
    expect_rest_error(lambda: convs(conv.sid).fetch(), 404, 20404, "fetch deleted conversation")


def expect_rest_error_any4xx(fn, what):
    try:
        result = fn()
    except TwilioRestException as exc:
        if not 400 <= exc.status < 500:
            raise CheckFailed("{}: expected a 4xx, got {}".format(what, describe(exc)))
        return exc
    raise CheckFailed("{}: expected TwilioRestException 4xx, call returned {!r}".format(what, result))


@check
def service_scoped_conversations(t):
    svc = new_service(t, "scoped")
    scoped = t.conv.services(svc.sid).conversations
    sfx = suffix()
    unique = "compat-scoped-" + sfx
    conv = new_conversation(t, scoped, friendly_name="Scoped " + sfx, unique_name=unique)
    expect_sid(conv.sid, "CH", "conversation.sid")
    expect_eq(conv.chat_service_sid, svc.sid, "conversation.chat_service_sid")
    expect_datetime(conv, "date_created", "conversation")
    expect_url(conv, "/v1/Services/{}/Conversations/{}".format(svc.sid, conv.sid), "conversation")
    expect_links(conv, ["participants", "messages", "webhooks"], "conversation")

    expect_eq(scoped(conv.sid).fetch().sid, conv.sid, "fetch by sid")
    expect_eq(scoped(unique).fetch().sid, conv.sid, "fetch by unique_name")
    listed = [c.sid for c in scoped.list()]
    expect_eq(listed, [conv.sid], "services(IS).conversations.list() in a fresh service")

    msg = scoped(conv.sid).messages.create(author="compat", body="scoped hello")
    expect_eq(msg.index, 0, "first message index")
    expect_eq(msg.conversation_sid, conv.sid, "message.conversation_sid")
    expect_eq(
        [m.sid for m in scoped(conv.sid).messages.list()], [msg.sid], "scoped messages.list()"
    )

    # Lookups are scoped by Service: the default-service family must not see it.
    expect_rest_error(
        lambda: t.conv.conversations(conv.sid).fetch(),
        404,
        20404,
        "fetch a non-default-service conversation through /v1/Conversations",
    )


@check
def participants(t):
    convs = t.conv.conversations
    conv = new_conversation(t, convs)
    parts = convs(conv.sid).participants
    identity = "alice-" + suffix()
    address, proxy = phone(), phone()

    chat = parts.create(identity=identity, attributes='{"tier":"gold"}')
    expect_sid(chat.sid, "MB", "participant.sid")
    expect_eq(chat.identity, identity, "chat participant identity")
    expect_eq(chat.conversation_sid, conv.sid, "participant.conversation_sid")
    expect_json_attrs(chat.attributes, {"tier": "gold"}, "chat participant")
    expect(chat.messaging_binding is None, "chat participant messaging_binding should be null, got {!r}".format(chat.messaging_binding))
    expect_datetime(chat, "date_created", "participant")
    expect_url(chat, "/v1/Conversations/{}/Participants/{}".format(conv.sid, chat.sid), "participant")

    sms = parts.create(messaging_binding_address=address, messaging_binding_proxy_address=proxy)
    expect_sid(sms.sid, "MB", "messaging participant sid")
    expect(sms.identity is None, "messaging participant identity should be null, got {!r}".format(sms.identity))
    binding = sms.messaging_binding
    expect(isinstance(binding, dict), "messaging_binding should be an object, got {!r}".format(binding))
    expect_eq(binding.get("address"), address, "messaging_binding.address")
    expect_eq(binding.get("proxy_address"), proxy, "messaging_binding.proxy_address")
    expect_json_attrs(sms.attributes, {}, "messaging participant (unset attributes)")

    expect_eq(parts(chat.sid).fetch().identity, identity, "fetch participant by sid")
    expect_eq(parts(identity).fetch().sid, chat.sid, "fetch participant by identity")

    convs(conv.sid).messages.create(author=identity, body="hi")
    upd = parts(chat.sid).update(attributes='{"tier":"platinum"}', last_read_message_index=0)
    expect_json_attrs(upd.attributes, {"tier": "platinum"}, "updated participant")
    expect_eq(upd.last_read_message_index, 0, "updated last_read_message_index")
    expect_eq(parts(chat.sid).fetch().last_read_message_index, 0, "refetched last_read_message_index")

    listed = sorted(p.sid for p in parts.list())
    expect_eq(listed, sorted([chat.sid, sms.sid]), "participants.list()")

    expect_rest_error(
        lambda: parts.create(identity=identity), 409, 50433, "add same identity twice"
    )

    other = new_conversation(t, convs)
    expect_rest_error(
        lambda: convs(other.sid).participants.create(
            messaging_binding_address=address, messaging_binding_proxy_address=proxy
        ),
        409,
        50416,
        "bind the same address/proxy pair in a second conversation",
    )

    expect_eq(parts(chat.sid).delete(), True, "participants(MB).delete()")
    expect_rest_error(lambda: parts(chat.sid).fetch(), 404, 20404, "fetch deleted participant")
    expect_eq(parts(sms.sid).delete(), True, "delete messaging participant")
    expect_eq([p.sid for p in parts.list()], [], "participants.list() after deletes")

    # Once the pair is no longer bound it can be used again.
    moved = convs(other.sid).participants.create(
        messaging_binding_address=address, messaging_binding_proxy_address=proxy
    )
    expect_eq(moved.messaging_binding.get("address"), address, "re-bound address")


@check
def messages(t):
    convs = t.conv.conversations
    conv = new_conversation(t, convs)
    msgs = convs(conv.sid).messages

    created = []
    for i in range(3):
        m = msgs.create(author="bob", body="hello {}".format(i), attributes='{"n":%d}' % i)
        created.append(m)
    expect_eq([m.index for m in created], [0, 1, 2], "message indexes")
    first = created[0]
    expect_sid(first.sid, "IM", "message.sid")
    expect_eq(first.author, "bob", "message.author")
    expect_eq(first.body, "hello 0", "message.body")
    expect_json_attrs(first.attributes, {"n": 0}, "message")
    expect_eq(first.conversation_sid, conv.sid, "message.conversation_sid")
    expect_datetime(first, "date_created", "message")
    expect_url(first, "/v1/Conversations/{}/Messages/{}".format(conv.sid, first.sid), "message")

    system = msgs.create(body="no author")
    expect_eq(system.author, "system", "default author")
    expect_eq(system.index, 3, "index after 3 messages")

    fetched = msgs(created[1].sid).fetch()
    expect_eq((fetched.sid, fetched.index, fetched.body), (created[1].sid, 1, "hello 1"), "fetched message")

    upd = msgs(created[1].sid).update(body="edited")
    expect_eq(upd.body, "edited", "updated body")
    expect_eq(upd.index, 1, "index unchanged by update")
    expect_eq(msgs(created[1].sid).fetch().body, "edited", "body after refetch")

    expect_eq(msgs(created[2].sid).delete(), True, "messages(IM).delete()")
    expect_rest_error(lambda: msgs(created[2].sid).fetch(), 404, 20404, "fetch deleted message")
    expect_eq([m.index for m in msgs.list()], [0, 1, 3], "indexes after deleting index 2")
    nxt = msgs.create(body="after delete")
    expect(nxt.index > 3, "index after a delete must keep increasing, got {}".format(nxt.index))


@check
def message_paging(t):
    convs = t.conv.conversations
    conv = new_conversation(t, convs)
    msgs = convs(conv.sid).messages
    total = 250
    for i in range(total):
        m = msgs.create(author="pager", body="m{}".format(i))
        if m.index != i:
            raise CheckFailed("message {} got index {}".format(i, m.index))
    expected = list(range(total))

    records = msgs.list()
    got = [m.index for m in records]
    expect_eq(len(got), total, "list() with no limit: record count")
    expect_eq(got, expected, "list() with no limit: indexes in order")
    expect_eq([m.body for m in records[:3]], ["m0", "m1", "m2"], "list() bodies")

    start = len(t.http.sent)
    got = [m.index for m in msgs.stream(page_size=40)]
    expect_eq(got, expected, "stream(page_size=40)")
    gets = [s for s in t.http.sent[start:] if s[0] == "GET"]
    expect_eq(gets[0][2].get("PageSize"), 40, "stream(page_size=40) first request PageSize")
    expect(len(gets) >= 7, "stream(page_size=40) over 250 records should take 7 pages, took {}".format(len(gets)))

    got = [m.index for m in msgs.list(order="desc", limit=120)]
    expect_eq(got, list(range(total - 1, total - 121, -1)), "list(order='desc', limit=120)")

    page = msgs.page(page_size=50)
    got = [m.index for m in page]
    expect_eq(got, list(range(50)), "page(page_size=50)")
    nxt = page.next_page()
    expect(nxt is not None, "page(page_size=50).next_page() returned None")
    expect_eq([m.index for m in nxt], list(range(50, 100)), "next_page()")

    last = msgs.page(page_size=100, order="desc")
    seen = 0
    pages = 0
    while last is not None:
        seen += sum(1 for _ in last)
        pages += 1
        expect(pages <= 4, "paging desc by 100 did not stop after 3 pages")
        last = last.next_page()
    expect_eq(seen, total, "records seen walking desc pages of 100 to the end")


@check
def paging_envelope(t):
    conv = new_conversation(t, t.conv.conversations)
    msgs = t.conv.conversations(conv.sid).messages
    for i in range(3):
        msgs.create(body="e{}".format(i))
    url = "https://conversations.twilio.com/v1/Conversations/{}/Messages?PageSize=2".format(conv.sid)
    resp = t.client.request("GET", url)
    expect_eq(resp.status_code, 200, "list page HTTP status")
    payload = json.loads(resp.text)
    meta = payload.get("meta")
    expect(isinstance(meta, dict), "list response has no meta object: {}".format(resp.text[:300]))
    for key in ("page", "page_size", "first_page_url", "previous_page_url", "url", "next_page_url", "key"):
        expect(key in meta, "meta.{} missing: {!r}".format(key, meta))
    expect_eq(meta["key"], "messages", "meta.key")
    expect_eq(meta["page_size"], 2, "meta.page_size")
    expect_eq(meta["page"], 0, "meta.page")
    expect_eq(len(payload.get("messages") or []), 2, "records on the first page")
    expect(isinstance(meta["next_page_url"], str) and meta["next_page_url"].startswith("http"),
           "meta.next_page_url should be an absolute URL, got {!r}".format(meta["next_page_url"]))
    expect(meta["previous_page_url"] is None, "meta.previous_page_url on page 0 should be null")
    second = json.loads(t.client.request("GET", meta["next_page_url"]).text)
    expect_eq(len(second.get("messages") or []), 1, "records on the second page")
    expect(second["meta"]["next_page_url"] is None, "meta.next_page_url on the last page should be null")
    expect_eq(second["meta"]["page"], 1, "second page meta.page")


@check
def users(t):
    users = t.conv.users
    identity = "user-" + suffix()
    user = users.create(identity=identity, friendly_name="User One")
    t.defer(users(user.sid).delete)
    expect_sid(user.sid, "US", "user.sid")
    expect_eq(user.identity, identity, "user.identity")
    expect_eq(user.friendly_name, "User One", "user.friendly_name")
    expect_sid(user.chat_service_sid, "IS", "user.chat_service_sid")
    expect_json_attrs(user.attributes, {}, "user (unset attributes)")
    expect_datetime(user, "date_created", "user")
    expect_url(user, "/v1/Users/" + user.sid, "user")

    expect_eq(users(user.sid).fetch().identity, identity, "fetch user by sid")
    expect_eq(users(identity).fetch().sid, user.sid, "fetch user by identity")

    upd = users(user.sid).update(friendly_name="User Renamed", attributes='{"x":true}')
    expect_eq(upd.friendly_name, "User Renamed", "updated friendly_name")
    expect_json_attrs(upd.attributes, {"x": True}, "updated user")
    upd2 = users(identity).update(friendly_name="By Identity")
    expect_eq(upd2.sid, user.sid, "update by identity: sid")
    expect_eq(upd2.friendly_name, "By Identity", "update by identity: friendly_name")

    listed = [u.sid for u in users.list()]
    expect(user.sid in listed, "users.list() did not include {}".format(user.sid))

    expect_rest_error(lambda: users.create(identity=identity), 409, 50201, "create same identity twice")

    expect_eq(users(user.sid).delete(), True, "users(US).delete()")
    expect_rest_error(lambda: users(user.sid).fetch(), 404, 20404, "fetch deleted user")


@check
def roles(t):
    svc = new_service(t, "roles")
    roles = t.conv.services(svc.sid).roles
    defaults = roles.list()
    types = sorted({r.type for r in defaults})
    expect("service" in types and "conversation" in types,
           "a new Service should have default service and conversation roles, got types {} ({} roles)".format(types, len(defaults)))
    for r in defaults:
        expect_sid(r.sid, "RL", "default role sid")
        expect(isinstance(r.permissions, list) and r.permissions,
               "default role {} should list permissions, got {!r}".format(r.friendly_name, r.permissions))

    cfg = t.conv.services(svc.sid).configuration().fetch()
    by_sid = {r.sid: r for r in defaults}
    for field, want in (("default_chat_service_role_sid", "service"),
                        ("default_conversation_role_sid", "conversation"),
                        ("default_conversation_creator_role_sid", "conversation")):
        sid = getattr(cfg, field)
        expect(sid in by_sid, "service configuration {}={!r} is not one of the default roles".format(field, sid))
        expect_eq(by_sid[sid].type, want, "type of the role in {}".format(field))

    expect(len(t.conv.roles.list()) > 0, "the default service should have roles too")

    name = "compat-role-" + suffix()
    role = roles.create(friendly_name=name, type="conversation", permission=["sendMessage", "leaveConversation"])
    t.defer(roles(role.sid).delete)
    expect_sid(role.sid, "RL", "role.sid")
    expect_eq(role.friendly_name, name, "role.friendly_name")
    expect_eq(role.type, "conversation", "role.type")
    expect_eq(role.chat_service_sid, svc.sid, "role.chat_service_sid")
    expect_eq(sorted(role.permissions or []), ["leaveConversation", "sendMessage"], "role.permissions")
    expect_datetime(role, "date_created", "role")
    expect_url(role, "/v1/Services/{}/Roles/{}".format(svc.sid, role.sid), "role")

    upd = roles(role.sid).update(permission=["sendMessage", "sendMediaMessage", "editOwnMessage"])
    expect_eq(sorted(upd.permissions or []), ["editOwnMessage", "sendMediaMessage", "sendMessage"],
              "permissions after update (replaces the list)")
    fetched = roles(role.sid).fetch()
    expect_eq(sorted(fetched.permissions or []), ["editOwnMessage", "sendMediaMessage", "sendMessage"],
              "fetched permissions")
    expect(role.sid in [r.sid for r in roles.list()], "roles.list() did not include the custom role")

    expect_eq(roles(role.sid).delete(), True, "roles(RL).delete()")
    expect_rest_error(lambda: roles(role.sid).fetch(), 404, 20404, "fetch deleted role")


@check
def conversation_with_participants(t):
    identity = "alice-" + suffix()
    address, proxy = phone(), phone()
    created = t.conv.conversation_with_participants.create(
        friendly_name="With participants",
        participant=[
            json.dumps({"identity": identity}),
            json.dumps({"messaging_binding": {"address": address, "proxy_address": proxy}}),
        ],
    )
    t.defer(t.conv.conversations(created.sid or "missing").delete)
    expect_sid(created.sid, "CH", "conversation_with_participants sid")
    expect_eq(created.friendly_name, "With participants", "friendly_name")
    expect_datetime(created, "date_created", "conversation_with_participants")
    expect_links(created, ["participants", "messages"], "conversation_with_participants")

    # Twilio answers 201 or 202 and may attach participants asynchronously: poll briefly.
    deadline = time.time() + 5
    while True:
        parts = t.conv.conversations(created.sid).participants.list()
        if len(parts) >= 2 or time.time() > deadline:
            break
        time.sleep(0.2)
    expect_eq(len(parts), 2, "participant count")
    chat = [p for p in parts if p.identity == identity]
    sms = [p for p in parts if isinstance(p.messaging_binding, dict)
           and p.messaging_binding.get("address") == address]
    expect(len(chat) == 1, "no chat participant with identity {} in {!r}".format(identity, [p.identity for p in parts]))
    expect(len(sms) == 1, "no messaging participant with address {} in {!r}".format(address, [p.messaging_binding for p in parts]))
    expect_eq(sms[0].messaging_binding.get("proxy_address"), proxy, "messaging_binding.proxy_address")


@check
def configuration(t):
    cfg = t.conv.configuration().fetch()
    expect_sid(cfg.default_chat_service_sid, "IS", "configuration.default_chat_service_sid")
    expect_eq(cfg.account_sid, t.account_sid, "configuration.account_sid")
    expect_eq(t.conv.services(cfg.default_chat_service_sid).fetch().sid, cfg.default_chat_service_sid,
              "the default chat service can be fetched")
    conv = new_conversation(t, t.conv.conversations)
    expect_eq(conv.chat_service_sid, cfg.default_chat_service_sid,
              "/v1/Conversations creates in the default chat service")

    svc = new_service(t, "config")
    scfg = t.conv.services(svc.sid).configuration().fetch()
    expect_eq(scfg.chat_service_sid, svc.sid, "service configuration chat_service_sid")
    expect_eq(scfg.reachability_enabled, False, "reachability_enabled default")
    expect_url(scfg, "/v1/Services/{}/Configuration".format(svc.sid), "service configuration")
    upd = t.conv.services(svc.sid).configuration().update(reachability_enabled=True)
    expect_eq(upd.reachability_enabled, True, "reachability_enabled after update")
    expect_eq(t.conv.services(svc.sid).configuration().fetch().reachability_enabled, True,
              "reachability_enabled after refetch")


@check
def errors(t):
    missing = "CH" + "0" * 32
    exc = expect_rest_error(lambda: t.conv.conversations(missing).fetch(), 404, 20404, "fetch missing conversation")
    expect("Unable to fetch record" in (exc.msg or ""), "unexpected message: {!r}".format(exc.msg))

    # The raw error body: legacy Twilio shape, not RFC 9457.
    resp = t.client.request("GET", "https://conversations.twilio.com/v1/Conversations/" + missing)
    expect_eq(resp.status_code, 404, "raw status")
    body = json.loads(resp.text)
    for key in ("code", "message", "more_info", "status"):
        expect(key in body, "error body missing {!r}: {}".format(key, resp.text[:300]))
    expect_eq((body["code"], body["status"]), (20404, 404), "error body code/status")
    expect(not ("type" in body and "title" in body),
           "error body must not carry both type and title (the library would treat it as RFC 9457)")

    bad = Client(t.account_sid, "not-the-token-" + suffix(), http_client=RedirectingHttpClient(t.base_url))
    expect_rest_error(lambda: bad.conversations.v1.configuration().fetch(), 401, 20003, "wrong auth token")
    bad_sid = Client("AC" + uuid.uuid4().hex, t.auth_token, http_client=RedirectingHttpClient(t.base_url))
    expect_rest_error(lambda: bad_sid.conversations.v1.conversations(missing).fetch(), 401, 20003, "unknown account sid")

    unique = "compat-badattrs-" + suffix()
    exc = expect_rest_error(
        lambda: t.conv.conversations.create(friendly_name="bad", unique_name=unique, attributes="not json"),
        400,
        None,
        "attributes='not json' on conversation create",
    )
    expect(isinstance(exc.code, int), "error code should be an integer, got {!r}".format(exc.code))
    expect_rest_error(lambda: t.conv.conversations(unique).fetch(), 404, 20404,
                      "a rejected create must not leave a conversation behind")


class WebhookReceiver:
    """A customer's webhook endpoint: a local HTTP server that records each request and checks its
    X-Twilio-Signature with the library's own RequestValidator, exactly as a Twilio customer would."""

    def __init__(self, auth_token):
        import http.server
        import threading

        from twilio.request_validator import RequestValidator

        receiver = self
        self.validator = RequestValidator(auth_token)
        self.requests = []  # dicts: path, params, valid, idempotency
        self.reject_bodies_with = None
        self.lock = threading.Lock()
        host = os.environ.get("PARLEY_WEBHOOK_HOST", "127.0.0.1")

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = "http://{}:{}{}".format(host, receiver.port, self.path)
                if self.command == "POST":
                    params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                    valid = receiver.validator.validate(url, params, self.headers.get("X-Twilio-Signature", ""))
                else:
                    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))
                    valid = receiver.validator.validate(url, {}, self.headers.get("X-Twilio-Signature", ""))
                with receiver.lock:
                    receiver.requests.append({
                        "path": urllib.parse.urlsplit(self.path).path, "params": params, "valid": valid,
                        "idempotency": self.headers.get("I-Twilio-Idempotency-Token"),
                    })
                reject = receiver.reject_bodies_with
                status = 403 if reject and reject in params.get("Body", "") else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_POST = _handle
            do_GET = _handle

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.host = host
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://{}:{}{}".format(self.host, self.port, path)

    def wait(self, path, count, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                got = [r for r in self.requests if r["path"] == path]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise CheckFailed("expected {} webhook request(s) to {}, got {}".format(count, path, len(got)))

    def close(self):
        self.server.shutdown()


@check
def webhooks(t):
    """Parley's webhooks, received and validated with twilio.request_validator.RequestValidator."""
    receiver = WebhookReceiver(t.auth_token)
    t.defer(receiver.close)
    svc = new_service(t, "webhooks")
    hooks = t.conv.services(svc.sid).configuration.webhooks()
    cfg = hooks.update(post_webhook_url=receiver.url("/post"), pre_webhook_url=receiver.url("/pre"), method="POST",
                       filters=["onMessageAdded", "onMessageAdd", "onConversationAdded"])
    expect_eq(cfg.post_webhook_url, receiver.url("/post"), "service post_webhook_url")
    expect_eq(list(cfg.filters), ["onMessageAdded", "onMessageAdd", "onConversationAdded"], "service filters")
    expect_eq(cfg.method, "POST", "service method")

    conversations = t.conv.services(svc.sid).conversations
    conv = new_conversation(t, conversations, x_twilio_webhook_enabled="true")
    hook = conversations(conv.sid).webhooks.create(
        target="webhook", configuration_url=receiver.url("/conversation"), configuration_method="GET",
        configuration_filters=["onMessageAdded"])
    expect_sid(hook.sid, "WH", "conversation webhook sid")
    expect_eq(hook.target, "webhook", "conversation webhook target")
    expect_eq(hook.configuration.get("method"), "get", "conversation webhook method")
    expect_eq([w.sid for w in conversations(conv.sid).webhooks.list()], [hook.sid], "conversation webhooks list")

    msg = conversations(conv.sid).messages.create(author="compat", body="hello, webhooks", x_twilio_webhook_enabled="true")
    # Without the header a REST change fires nothing; a rejecting pre-event hook refuses the message (403).
    conversations(conv.sid).messages.create(author="compat", body="quiet")
    receiver.reject_bodies_with = "forbidden"
    expect_rest_error(lambda: conversations(conv.sid).messages.create(body="forbidden words", x_twilio_webhook_enabled="true"),
                      403, None, "a message the pre-event webhook rejects")

    posts = receiver.wait("/post", 2)
    expect_eq([r["params"].get("EventType") for r in posts], ["onConversationAdded", "onMessageAdded"], "post-event types")
    added = posts[1]["params"]
    expect_eq(added.get("MessageSid"), msg.sid, "MessageSid")
    expect_eq(added.get("Body"), "hello, webhooks", "Body")
    expect_eq(added.get("Index"), "0", "Index")
    expect_eq(added.get("Source"), "API", "Source")
    expect_eq(added.get("AccountSid"), t.account_sid, "AccountSid")
    gets = receiver.wait("/conversation", 1)
    expect_eq(gets[0]["params"].get("EventType"), "onMessageAdded", "conversation webhook event")
    pres = receiver.wait("/pre", 2)
    expect_eq([r["params"].get("EventType") for r in pres], ["onMessageAdd", "onMessageAdd"], "pre-event types")
    for request in posts + gets + pres:
        expect(request["valid"], "RequestValidator refused the signature of a {} request to {}".format(
            request["params"].get("EventType"), request["path"]))
        expect(bool(request["idempotency"]), "no I-Twilio-Idempotency-Token on {}".format(request["path"]))
    expect_eq(len(conversations(conv.sid).messages.list()), 2, "messages after the rejected one")


def openssl_pem(*commands):
    """Key material made by the openssl command line (the compat venv has no crypto library): each command's
    output is piped into the next; a missing openssl skips the check."""
    data = None
    try:
        for command in commands:
            data = subprocess.run(command, input=data, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise CheckSkipped("openssl is needed to make test keys: {}".format(exc))
    return data.decode()


@check
def push_credentials(t):
    creds = t.conv.credentials
    p8 = openssl_pem(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"],
                     ["openssl", "pkcs8", "-topk8", "-nocrypt"])
    name = "compat-apn-" + suffix()
    apn = creds.create(type="apn", friendly_name=name, private_key=p8, sandbox=True,
                       secret=json.dumps({"key_id": "ABC123DEFG", "team_id": "TEAM123456", "bundle_id": "com.example.compat"}))
    t.defer(creds(apn.sid).delete)
    expect_sid(apn.sid, "CR", "credential.sid")
    expect_eq(apn.type, "apn", "credential.type")
    expect_eq(apn.friendly_name, name, "credential.friendly_name")
    expect_eq(apn.sandbox, "True", "credential.sandbox (a string)")
    expect_eq(apn.account_sid, t.account_sid, "credential.account_sid")
    expect_datetime(apn, "date_created", "credential")
    expect_url(apn, "/v1/Credentials/{}".format(apn.sid), "credential")

    rsa = openssl_pem(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    account = {"type": "service_account", "project_id": "compat", "private_key": rsa,
               "client_email": "push@compat.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}
    fcm = creds.create(type="fcm", friendly_name="compat-fcm-" + suffix(), secret=json.dumps(account))
    t.defer(creds(fcm.sid).delete)
    expect_eq(fcm.sandbox, "False", "fcm credential.sandbox")
    gcm = creds.create(type="gcm", api_key="compat-legacy-key")
    t.defer(creds(gcm.sid).delete)

    raw = t.client.request("GET", "https://conversations.twilio.com/v1/Credentials/" + fcm.sid)
    for leaked in ("private_key", "PRIVATE KEY", "client_email", "secret", "api_key"):
        expect(leaked not in raw.text, "a credential's JSON must not carry {!r}: {}".format(leaked, raw.text[:300]))

    fetched = creds(apn.sid).fetch()
    expect_eq((fetched.sid, fetched.type, fetched.sandbox), (apn.sid, "apn", "True"), "fetched credential")
    listed = [c.sid for c in creds.list()]
    for sid in (apn.sid, fcm.sid, gcm.sid):
        expect(sid in listed, "credentials.list() is missing {}".format(sid))
    expect_eq(len(creds.list(page_size=1, limit=2)), 2, "credentials.list(page_size=1, limit=2): two records over two pages")

    upd = creds(apn.sid).update(friendly_name="renamed", sandbox=False)
    expect_eq((upd.friendly_name, upd.sandbox), ("renamed", "False"), "credential after update")
    expect_rest_error(lambda: creds.create(type="apn", certificate="not a certificate", private_key=p8), 400, 20001,
                      "create with a malformed certificate")
    expect_rest_error(lambda: creds.create(type="fcm", secret=json.dumps({"client_email": "x"})), 400, 20001,
                      "create with a service account without project_id")

    expect_eq(creds(gcm.sid).delete(), True, "credentials(CR).delete()")
    expect_rest_error(lambda: creds(gcm.sid).fetch(), 404, 20404, "fetch deleted credential")


@check
def push_notifications_configuration(t):
    svc = new_service(t, "push")
    notifications = t.conv.services(svc.sid).configuration.notifications()
    cfg = notifications.fetch()
    expect_eq(cfg.chat_service_sid, svc.sid, "notifications.chat_service_sid")
    expect_eq(cfg.account_sid, t.account_sid, "notifications.account_sid")
    expect_eq(cfg.log_enabled, False, "notifications.log_enabled default")
    expect_eq((cfg.new_message or {}).get("enabled"), False, "new_message.enabled default")
    expect_url(cfg, "/v1/Services/{}/Configuration/Notifications".format(svc.sid), "notifications")

    upd = notifications.update(
        log_enabled=True, new_message_enabled=True, new_message_template="${PARTICIPANT}: ${MESSAGE}",
        new_message_sound="ding.caf", new_message_badge_count_enabled=True, new_message_with_media_enabled=True,
        new_message_with_media_template="${PARTICIPANT} sent ${MEDIA_COUNT} file(s)",
        added_to_conversation_enabled=True, added_to_conversation_template="You joined ${CONVERSATION}",
        removed_from_conversation_enabled=True, removed_from_conversation_sound="bye.caf")
    expect_eq(upd.log_enabled, True, "log_enabled after update")
    expect_eq(upd.new_message, {
        "enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ding.caf", "badge_count_enabled": True,
        "with_media": {"enabled": True, "template": "${PARTICIPANT} sent ${MEDIA_COUNT} file(s)"},
    }, "new_message after update")
    again = notifications.fetch()
    expect_eq(again.added_to_conversation,
              {"enabled": True, "template": "You joined ${CONVERSATION}", "sound": None}, "added_to_conversation")
    expect_eq(again.removed_from_conversation,
              {"enabled": True, "template": None, "sound": "bye.caf"}, "removed_from_conversation")
    expect_rest_error(lambda: t.conv.services("IS" + "0" * 32).configuration.notifications().fetch(), 404, 20404,
                      "notifications of a missing Service")


@check
def push_bindings(t):
    svc = new_service(t, "bindings")
    bindings = t.conv.services(svc.sid).bindings.list()
    expect_eq(bindings, [], "bindings of a new Service")
    expect_rest_error(lambda: t.conv.services(svc.sid).bindings("BS" + "0" * 32).fetch(), 404, 20404, "fetch a missing binding")


def parley_cli(args):
    """Run the parley executable (PARLEY_BIN) on PARLEY_DATABASE (PostgreSQL) or PARLEY_DB; returns the CompletedProcess."""
    here = os.path.dirname(os.path.abspath(__file__))
    binary = os.environ.get("PARLEY_BIN", "").strip() or os.path.join(here, "..", "..", ".build", "debug", "parley")
    expect(os.access(binary, os.X_OK), "parley executable not found at {} (build it, or set PARLEY_BIN)".format(binary))
    database = os.environ.get("PARLEY_DATABASE", "").strip()
    where = ["--database", database] if database else ["--db", os.environ["PARLEY_DB"]]
    return subprocess.run([binary] + args + where,
                          capture_output=True, text=True, timeout=60)


def verify_token(token):
    """`parley token --verify`: ({"identity": ..., "service": ...}, None) or (None, twilio_code)."""
    done = parley_cli(["token", "--verify", token])
    if done.returncode == 0:
        return dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line), None
    match = re.match(r"(\d{5}) ", done.stderr)
    expect(match is not None, "parley token --verify failed without a Twilio code: {!r}".format(done.stderr.strip()))
    return None, int(match.group(1))


@check
def access_token(t):
    if not (os.environ.get("PARLEY_DB", "").strip() or os.environ.get("PARLEY_DATABASE", "").strip()):
        raise CheckSkipped("neither PARLEY_DB nor PARLEY_DATABASE is set (the server's database file; tokens are verified with parley token --verify)")
    # An API key of the account, made the way an operator makes one; the library needs its secret.
    done = parley_cli(["keys", "create", "--friendly-name", "compat access_token"])
    expect(done.returncode == 0, "parley keys create failed: {}".format(done.stderr.strip()))
    key_sid = re.search(r"API key SID:\s*(SK[0-9a-f]{32})", done.stdout)
    secret = re.search(r"Secret:\s*(\S+)", done.stdout)
    expect(key_sid is not None and secret is not None, "unexpected parley keys create output: {!r}".format(done.stdout))
    key_sid, secret = key_sid.group(1), secret.group(1)

    def mint(identity, service_sid=None, signing_secret=secret, signing_key=key_sid, **kwargs):
        token = AccessToken(t.account_sid, signing_key, signing_secret, identity=identity, **kwargs)
        token.add_grant(ChatGrant(service_sid=service_sid))
        return token.to_jwt()

    # A token for a new identity in a named Service: accepted, and the identity is now a User there,
    # with the Service's default role, as the REST API shows.
    svc = new_service(t, "token")
    identity = "compat-token-" + suffix()
    principal, code = verify_token(mint(identity, svc.sid, ttl=600))
    expect(code is None, "a token minted by twilio-python was refused with {}".format(code))
    expect_eq((principal.get("identity"), principal.get("service")), (identity, svc.sid), "verified identity and service")
    user = t.conv.services(svc.sid).users(identity).fetch()
    expect_eq(user.identity, identity, "user created by the token")
    expect_eq(user.role_sid, t.conv.services(svc.sid).configuration().fetch().default_chat_service_role_sid,
              "the new user's role (the Service's default)")
    expect_eq(principal.get("user"), user.sid, "verified user sid")

    # Without a service_sid in the chat grant: the account's default Service.
    default_sid = t.conv.configuration().fetch().default_chat_service_sid
    identity = "compat-token-" + suffix()
    principal, code = verify_token(mint(identity))
    expect(code is None, "a token without service_sid was refused with {}".format(code))
    expect_eq(principal.get("service"), default_sid, "service of a grant without service_sid")
    t.defer(t.conv.users(identity).delete)

    # Each refusal carries its Twilio code.
    now = int(time.time())
    for what, token, expected in [
        ("wrong secret", mint("mallory", signing_secret=uuid.uuid4().hex), 20107),
        ("unknown API key", mint("mallory", signing_key="SK" + uuid.uuid4().hex), 20103),
        ("expired", mint("mallory", ttl=-7200), 20104),
        ("not yet valid", mint("mallory", nbf=now + 3600, ttl=7200), 20105),
        ("not a JWT", "not-a-token", 20101),
    ]:
        principal, code = verify_token(token)
        expect_eq(code, expected, "Twilio code for a token with {}".format(what))


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def wait_for_port(base_url, seconds):
    parts = urllib.parse.urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.time() + seconds
    while True:
        try:
            with socket.create_connection((host, port), timeout=2):
                return True
        except OSError:
            if time.time() >= deadline:
                return False
            time.sleep(0.5)


def main(argv):
    if "--list" in argv:
        for fn in CHECKS:
            print(fn.__name__)
        return 0
    verbose = "-v" in argv
    names = [a for a in argv if not a.startswith("-")]
    known = {fn.__name__: fn for fn in CHECKS}
    unknown = [n for n in names if n not in known]
    if unknown:
        print("unknown check(s): {} (see --list)".format(", ".join(unknown)), file=sys.stderr)
        return 2

    env = {k: os.environ.get(k, "").strip() for k in ("PARLEY_URL", "PARLEY_ACCOUNT_SID", "PARLEY_AUTH_TOKEN")}
    missing = [k for k, v in env.items() if not v]
    if missing:
        print("missing environment: {}".format(", ".join(missing)), file=sys.stderr)
        return 2
    base_url = env["PARLEY_URL"].rstrip("/")
    wait = float(os.environ.get("PARLEY_WAIT", "30"))
    if not wait_for_port(base_url, wait):
        print("{} is not accepting connections (waited {:g}s)".format(base_url, wait), file=sys.stderr)
        return 2

    passed = failed = 0
    for fn in CHECKS:
        if names and fn.__name__ not in names:
            continue
        t = Ctx(base_url, env["PARLEY_ACCOUNT_SID"], env["PARLEY_AUTH_TOKEN"])
        try:
            fn(t)
        except CheckSkipped as exc:
            print("skip {}: {}".format(fn.__name__, exc), flush=True)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, never fatal
            failed += 1
            reason = " ".join(describe(exc).split())
            print("FAIL {}: {}".format(fn.__name__, reason), flush=True)
            if verbose:
                traceback.print_exc()
        else:
            passed += 1
            print("ok   {}".format(fn.__name__), flush=True)
        finally:
            t.run_cleanups()
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
