#!/usr/bin/env python3
"""Crash test: prove that an answered write survives a SIGKILL.

Starts `parley serve` on a temporary database, drives concurrent message creates and participant
adds/removes from several clients (and inbound channel messages when the server has /inbound/messaging),
kills the server with SIGKILL at a random moment, restarts it, and checks with sqlite3 that
  - every request answered 2xx is present (a removed participant is absent),
  - message indices per conversation run 0..n-1 with no gaps and no duplicates,
  - no message body was stored twice (requests that got no answer are retried after the restart with the
    same Idempotency-Key, so a retry must not create a second copy),
  - PRAGMA integrity_check and foreign_key_check are clean,
  - outbox tables (when a branch has them) are reported before and after, to show pending work resumes.
Prints `rounds R, acknowledged A, lost L, duplicated D`; exits 1 when anything was lost or duplicated.

Usage: tools/crashtest/crashtest.py [--rounds 20] [--clients 6] [--binary .build/debug/parley]
"""
import argparse
import base64
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ACCOUNT_SID = "AC" + "c7" * 16
AUTH_TOKEN = "crashtest-token"
AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, db, log):
        self.binary, self.db, self.log = binary, db, log
        self.port = free_port()
        self.proc = None

    def start(self):
        env = dict(os.environ, PARLEY_ACCOUNT_SID=ACCOUNT_SID, PARLEY_AUTH_TOKEN=AUTH_TOKEN)
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _ = request(self.port, "GET", "/readyz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("server did not become ready")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
                return -9
        return self.proc.returncode if self.proc else None


def request(port, method, path, form=None, key=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": AUTH}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if key:
            headers["Idempotency-Key"] = key
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data and data.startswith(b"{") else {})
    finally:
        conn.close()


class Ledger:
    """What the clients were told: acknowledged writes, and requests whose outcome is unknown."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = {}        # body -> sid (acknowledged)
        self.unknown = []         # (conversation, body, key): no answer
        self.participants = {}    # sid -> conversation (acknowledged add, not removed)
        self.removed = set()      # acknowledged removals
        self.inbound = 0

    def acknowledged(self):
        with self.lock:
            return len(self.messages) + len(self.participants) + len(self.removed) + self.inbound


def client(port, number, round_, conversations, ledger, stop, inbound):
    n = 0
    mine = []
    while not stop.is_set():
        n += 1
        roll = random.random()
        try:
            if roll < 0.7 or not mine and roll < 0.9:
                conversation = random.choice(conversations)
                body = f"c{number}-r{round_}-n{n}"
                key = f"key-{body}"
                try:
                    status, doc = request(port, "POST", f"/v1/Conversations/{conversation}/Messages",
                                          {"Author": f"client{number}", "Body": body}, key=key)
                except OSError:
                    with ledger.lock:
                        ledger.unknown.append((conversation, body, key))
                    continue
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.messages[body] = doc["sid"]
            elif roll < 0.9:
                conversation = random.choice(conversations)
                status, doc = request(port, "POST", f"/v1/Conversations/{conversation}/Participants",
                                      {"Identity": f"user-{number}-{round_}-{n}"})
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.participants[doc["sid"]] = conversation
                    mine.append((conversation, doc["sid"]))
            elif inbound:
                body = f"in-c{number}-r{round_}-n{n}"
                status, _ = request(port, "POST", "/inbound/messaging",
                                    {"From": f"+1555000{number:04d}", "To": "+15550009999", "Body": body})
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.inbound += 1
            elif mine:
                conversation, sid = mine.pop(random.randrange(len(mine)))
                status, _ = request(port, "DELETE", f"/v1/Conversations/{conversation}/Participants/{sid}")
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.participants.pop(sid, None)
                        ledger.removed.add(sid)
        except OSError:
            pass  # the server went away mid-request: outcome unknown, not acknowledged


def outbox_counts(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type='table' AND (name LIKE '%outbox%' OR name LIKE '%deliver%')")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def verify(db, ledger):
    """Returns (lost, duplicated, problems)."""
    problems = []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems.append(f"integrity_check: {integrity}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {fk[:5]}")
        sids = {r[0] for r in conn.execute("SELECT sid FROM messages")}
        lost = sum(1 for sid in ledger.messages.values() if sid not in sids)
        participants = {r[0] for r in conn.execute("SELECT sid FROM participants")}
        lost += sum(1 for sid in ledger.participants if sid not in participants)
        resurrected = sum(1 for sid in ledger.removed if sid in participants)
        if resurrected:
            problems.append(f"{resurrected} removed participants are back")
        duplicated = conn.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM messages WHERE body IS NOT NULL GROUP BY conversation_sid, body HAVING n > 1)"
        ).fetchone()[0]
        gaps = conn.execute(
            'SELECT conversation_sid, count(*), min("index"), max("index"), count(DISTINCT "index") FROM messages GROUP BY conversation_sid'
        ).fetchall()
        for conversation, count, low, high, distinct in gaps:
            if low != 0 or high != count - 1 or distinct != count:
                problems.append(f"{conversation}: {count} messages, indices {low}..{high}, {distinct} distinct")
    return lost, duplicated + resurrected, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--conversations", type=int, default=4)
    parser.add_argument("--min-run", type=float, default=0.3, help="shortest time before the kill, seconds")
    parser.add_argument("--max-run", type=float, default=2.0, help="longest time before the kill, seconds")
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "parley"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="parley-crashtest-")
    db = os.path.join(work, "parley.db")
    log = open(os.path.join(work, "server.log"), "ab")
    server = Server(os.path.abspath(args.binary), db, log)
    server.start()
    conversations = []
    for i in range(args.conversations):
        status, doc = request(server.port, "POST", "/v1/Conversations", {"FriendlyName": f"crash {i}"})
        assert status == 201, (status, doc)
        conversations.append(doc["sid"])
    inbound = request(server.port, "POST", "/inbound/messaging", {})[0] != 404
    print(f"work folder {work}; {args.clients} clients, {len(conversations)} conversations; "
          f"inbound messages {'on' if inbound else 'off (no /inbound/messaging on this server)'}")

    ledger = Ledger()
    total_lost = total_duplicated = 0
    all_problems = []
    for round_ in range(1, args.rounds + 1):
        stop = threading.Event()
        threads = [threading.Thread(target=client, args=(server.port, c, round_, conversations, ledger, stop, inbound))
                   for c in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(args.min_run, args.max_run))
        server.kill()
        stop.set()
        for t in threads:
            t.join()
        outbox_before = outbox_counts(db)
        server.start()
        # Requests that got no answer: retry with the same key; the server must not store them twice.
        with ledger.lock:
            unknown, ledger.unknown = ledger.unknown, []
        retried = {}
        for conversation, body, key in unknown:
            status, doc = request(server.port, "POST", f"/v1/Conversations/{conversation}/Messages",
                                  {"Author": body.split("-")[0].replace("c", "client", 1), "Body": body}, key=key)
            retried[status] = retried.get(status, 0) + 1
            if 200 <= status < 300:
                ledger.messages[body] = doc["sid"]
        lost, duplicated, problems = verify(db, ledger)
        total_lost = lost  # cumulative by construction: every acknowledged write ever is re-checked
        total_duplicated = duplicated
        all_problems += [f"round {round_}: {p}" for p in problems]
        outbox_after = outbox_counts(db)
        outbox = f", outbox {outbox_before} -> {outbox_after}" if outbox_before else ""
        retries = ", ".join(f"{n}x{code}" for code, n in sorted(retried.items()))
        print(f"round {round_}: acknowledged {ledger.acknowledged()}, unanswered {len(unknown)} (retried: {retries or 'none'}), "
              f"lost {lost}, duplicated {duplicated}{outbox}{'; ' + '; '.join(problems) if problems else ''}", flush=True)

    exit_status = server.stop()
    wal = os.path.exists(db + "-wal") and os.path.getsize(db + "-wal") > 0
    print(f"rounds {args.rounds}, acknowledged {ledger.acknowledged()}, lost {total_lost}, duplicated {total_duplicated}")
    if exit_status != 0 or wal:
        all_problems.append(f"final SIGTERM: exit status {exit_status}, WAL left behind: {wal}")
    for problem in all_problems:
        print("problem:", problem)
    if not args.keep and not all_problems and total_lost == 0 and total_duplicated == 0:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if total_lost or total_duplicated or all_problems else 0)


if __name__ == "__main__":
    main()
