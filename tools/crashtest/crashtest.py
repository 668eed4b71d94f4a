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

With --postgres it starts a private PostgreSQL cluster of its own (initdb into a temporary folder, a Unix socket
only, as the `postgres` user when run as root; stopped and removed at the end) and TWO nodes on one database (the
same --data-dir and --secrets-key-file), the clients spread over both. Each round SIGKILLs one node under load while
the clients it served move to the other (a load balancer's failover): every request the survivor gets must succeed,
and they are counted. The killed node restarts, both serve again, then both are SIGKILLed at once and restarted,
and the same invariants are checked with the cluster's `psql` (plus each conversation's next_message_index equal
to its message count). The summary line gains the survivor's count.

Usage: tools/crashtest/crashtest.py [--rounds 20] [--clients 6] [--binary .build/debug/parley] [--postgres]
"""
import argparse
import base64
import http.client
import json
import os
import random
import shutil
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
    def __init__(self, binary, db, log, database=None):
        """`database`: the options naming the store instead of `--db db` (the PostgreSQL mode's `--database …`)."""
        self.binary, self.db, self.log = binary, db, log
        self.database = database or ["--db", db]
        self.port = free_port()
        self.proc = None

    def start(self):
        self.launch()
        self.wait_ready()

    def launch(self):
        env = dict(os.environ, PARLEY_ACCOUNT_SID=ACCOUNT_SID, PARLEY_AUTH_TOKEN=AUTH_TOKEN)
        self.proc = subprocess.Popen(
            [self.binary, "serve"] + self.database + ["--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self):
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


def client(port, number, round_, conversations, ledger, stop, inbound, send=request):
    """`port`: the server's port, or a function of the client's number giving the node to use now (PostgreSQL mode);
    `send`: how requests are made (the PostgreSQL mode counts the survivor's answers)."""
    route = port if callable(port) else (lambda _number: port)
    request = send
    n = 0
    mine = []
    while not stop.is_set():
        n += 1
        port = route(number)
        roll = random.random()
        kind = "message" if roll < 0.65 else "add" if roll < 0.8 else "remove" if roll < 0.9 else "inbound"
        if kind == "inbound" and not inbound:
            kind = "remove"
        if kind == "remove" and not mine:
            kind = "add"  # only participants this client added (and was told so) are removed
        try:
            if kind == "message":
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
            elif kind == "add":
                conversation = random.choice(conversations)
                status, doc = request(port, "POST", f"/v1/Conversations/{conversation}/Participants",
                                      {"Identity": f"user-{number}-{round_}-{n}"})
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.participants[doc["sid"]] = conversation
                    mine.append((conversation, doc["sid"]))
            elif kind == "inbound":
                body = f"in-c{number}-r{round_}-n{n}"
                status, _ = request(port, "POST", "/inbound/messaging",
                                    {"MessageSid": "SM" + os.urandom(16).hex(), "From": f"+1555000{number:04d}",
                                     "To": "+15550009999", "Body": body})
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.inbound += 1
            else:
                conversation, sid = mine.pop(random.randrange(len(mine)))
                try:
                    status, _ = request(port, "DELETE", f"/v1/Conversations/{conversation}/Participants/{sid}")
                except OSError:
                    with ledger.lock:
                        ledger.participants.pop(sid, None)  # removed or not: unknown, so neither is required
                    continue
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.participants.pop(sid, None)
                        ledger.removed.add(sid)
        except OSError:
            pass  # the server went away mid-request: outcome unknown, not acknowledged


def retry_unanswered(ledger, port_for):
    """Retries the message creates that got no answer, with their Idempotency-Keys (request n through `port_for(n)`);
    those answered 2xx become acknowledged. Returns (the requests retried, 'NxSTATUS, …' of their answers)."""
    with ledger.lock:
        unknown, ledger.unknown = ledger.unknown, []
    retried = {}
    for number, (conversation, body, key) in enumerate(unknown):
        status, doc = request(port_for(number), "POST", f"/v1/Conversations/{conversation}/Messages",
                              {"Author": body.split("-")[0].replace("c", "client", 1), "Body": body}, key=key)
        retried[status] = retried.get(status, 0) + 1
        if 200 <= status < 300:
            ledger.messages[body] = doc["sid"]
    return unknown, ", ".join(f"{n}x{code}" for code, n in sorted(retried.items()))


def outbox_counts(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type='table' AND (name LIKE '%outbox%' OR name LIKE '%deliver%')")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def compare(ledger, message_sids, participant_sids, problems):
    """Acknowledged writes missing from the stored sids (lost), and removed participants still stored (resurrected)."""
    lost = sum(1 for sid in ledger.messages.values() if sid not in message_sids)
    lost += sum(1 for sid in ledger.participants if sid not in participant_sids)
    resurrected = sum(1 for sid in ledger.removed if sid in participant_sids)
    if resurrected:
        problems.append(f"{resurrected} removed participants are back")
    return lost, resurrected


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
        lost, resurrected = compare(ledger, {r[0] for r in conn.execute("SELECT sid FROM messages")},
                                    {r[0] for r in conn.execute("SELECT sid FROM participants")}, problems)
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


class Cluster:
    """A private PostgreSQL cluster: initdb into a temporary folder, listening only on a Unix socket there (no TCP
    port), run as the `postgres` user when this runs as root (PostgreSQL refuses root); `stop` removes it all."""

    def __init__(self):
        versions = sorted((v for v in os.listdir("/usr/lib/postgresql") if v.isdigit()), key=int, reverse=True) \
            if os.path.isdir("/usr/lib/postgresql") else []
        self.bin = next((f"/usr/lib/postgresql/{v}/bin" for v in versions
                         if os.access(f"/usr/lib/postgresql/{v}/bin/pg_ctl", os.X_OK)), None)
        if not self.bin:
            raise SystemExit("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): apt-get install postgresql")
        self.folder = tempfile.mkdtemp(prefix="parley-crashtest-pg-")
        self.user = "postgres" if os.getuid() == 0 else None
        if self.user:
            import pwd
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.data = os.path.join(self.folder, "data")
        self.running = False

    def run(self, tool, *arguments):
        """Runs a server tool as the server's user; its output goes to a file, never a pipe a server could inherit."""
        command = (["runuser", "-u", self.user, "--"] if self.user else []) + [os.path.join(self.bin, tool), *arguments]
        with tempfile.TemporaryFile() as output:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd=self.folder)
            output.seek(0)
            text = output.read().decode(errors="replace")
        if result.returncode != 0:
            raise SystemExit(f"{tool} failed ({result.returncode}): {text}")
        return text

    def start(self):
        self.run("initdb", "-D", self.data, "-U", "parley", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        # fsync=off: PostgreSQL itself is never killed here, only the Parley nodes, so its own flushes prove nothing.
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "server.log"), "-w", "-t", "60",
                 "-o", f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' -c fsync=off", "start")
        self.running = True

    def create_database(self, name):
        """Creates `name`, its text sorted by bytes as Parley requires; returns its URL."""
        self.psql("postgres", f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
        return f"postgres://parley@localhost/{name}?host={self.folder}"

    def psql(self, database, sql):
        """Rows of `sql`, each a list of text cells (psql -X -A -t: unaligned, tuples only)."""
        result = subprocess.run(
            [os.path.join(self.bin, "psql"), "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             "-h", self.folder, "-U", "parley", "-d", database, "-c", sql],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise SystemExit(f"psql failed: {result.stderr.strip()} in: {sql}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def stop(self):
        if self.running:
            try:
                self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")
            except SystemExit as failure:
                print(f"stopping PostgreSQL: {failure}")
            self.running = False
        shutil.rmtree(self.folder, ignore_errors=True)


class Nodes:
    """The load balancer the clients go through: client `number` uses one of the nodes that are up."""

    def __init__(self, servers):
        self.servers = servers
        self.lock = threading.Lock()
        self.down = set()

    def port_for(self, number):
        with self.lock:
            up = [server for server in self.servers if server not in self.down]
        return up[number % len(up)].port

    def take_out(self, server):
        with self.lock:
            self.down.add(server)

    def put_back(self, server):
        with self.lock:
            self.down.discard(server)


class SurvivorWatch:
    """The answers of the node left serving while the other is down: each must be a 2xx; all are counted."""

    def __init__(self):
        self.lock = threading.Lock()
        self.port = None
        self.succeeded = 0
        self.failures = []

    def watch(self, port):
        with self.lock:
            self.port = port

    def stop_watching(self):
        with self.lock:
            self.port = None

    def send(self, port, method, path, form=None, key=None, timeout=5):
        """`request`, its outcome counted when it went to the survivor during the window."""
        try:
            status, doc = request(port, method, path, form, key=key, timeout=timeout)
        except OSError as error:
            self.note(port, f"{method} {path}: no answer ({error})")
            raise
        self.note(port, None if 200 <= status < 300 else f"{method} {path}: {status} {doc.get('code', '')} {doc.get('message', '')}")
        return status, doc

    def note(self, port, failure):
        with self.lock:
            if port != self.port:
                return
            if failure:
                self.failures.append(failure)
            else:
                self.succeeded += 1


def outbox_counts_postgres(cluster):
    tables = [row[0] for row in cluster.psql("parley",
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND (table_name LIKE '%outbox%' OR table_name LIKE '%deliver%') ORDER BY 1")]
    return {t: int(cluster.psql("parley", f'SELECT count(*) FROM "{t}"')[0][0]) for t in tables}


def verify_postgres(cluster, ledger):
    """The invariants of `verify`, read with psql. Returns (lost, duplicated, problems)."""
    problems = []
    lost, resurrected = compare(ledger, {row[0] for row in cluster.psql("parley", "SELECT sid FROM messages")},
                                {row[0] for row in cluster.psql("parley", "SELECT sid FROM participants")}, problems)
    duplicated = int(cluster.psql("parley",
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM messages WHERE body IS NOT NULL "
        "GROUP BY conversation_sid, body HAVING count(*) > 1) AS twice")[0][0])
    rows = cluster.psql("parley",
        'SELECT c.sid, count(m.sid), min(m."index"), max(m."index"), count(DISTINCT m."index"), c.next_message_index '
        "FROM conversations c LEFT JOIN messages m ON m.conversation_sid = c.sid GROUP BY c.sid, c.next_message_index")
    for conversation, count, low, high, distinct, next_index in rows:
        count, distinct, next_index = int(count), int(distinct), int(next_index)
        if count and (int(low) != 0 or int(high) != count - 1 or distinct != count):
            problems.append(f"{conversation}: {count} messages, indices {low}..{high}, {distinct} distinct")
        if next_index != count:
            problems.append(f"{conversation}: {count} messages but next_message_index {next_index}")
    return lost, duplicated + resurrected, problems


def run_postgres(args):
    """The two-node mode: see the module's description."""
    work = tempfile.mkdtemp(prefix="parley-crashtest-")
    cluster = Cluster()
    servers = []
    try:
        cluster.start()
        url = cluster.create_database("parley")
        shared = ["--database", url, "--data-dir", os.path.join(work, "data"),
                  "--secrets-key-file", os.path.join(work, "parley.secrets-key")]
        binary = os.path.abspath(args.binary)
        servers = [Server(binary, None, open(os.path.join(work, f"node-{name}.log"), "ab"), shared) for name in "ab"]
        for server in servers:
            server.start()  # one after the other the first time: the first migrates and creates the account
        conversations = []
        for i in range(args.conversations):
            status, doc = request(servers[i % 2].port, "POST", "/v1/Conversations", {"FriendlyName": f"crash {i}"})
            assert status == 201, (status, doc)
            conversations.append(doc["sid"])
        inbound = request(servers[0].port, "POST", "/inbound/messaging", {})[0] != 404
        print(f"work folder {work}; PostgreSQL {cluster.bin} in {cluster.folder}; two nodes (ports "
              f"{servers[0].port}, {servers[1].port}); {args.clients} clients, {len(conversations)} conversations; "
              f"inbound messages {'on' if inbound else 'off (no /inbound/messaging on this server)'}")

        ledger = Ledger()
        nodes = Nodes(servers)
        survivor_watch = SurvivorWatch()
        total_lost = total_duplicated = 0
        all_problems = []
        for round_ in range(1, args.rounds + 1):
            stop = threading.Event()
            threads = [threading.Thread(target=client, args=(nodes.port_for, c, round_, conversations, ledger, stop,
                                                             inbound, survivor_watch.send))
                       for c in range(args.clients)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(args.min_run, args.max_run))
            # One node dies under load; the balancer sends its clients to the other, which must keep answering.
            victim, survivor = servers[(round_ - 1) % 2], servers[round_ % 2]
            answered_before, failed_before = survivor_watch.succeeded, len(survivor_watch.failures)
            nodes.take_out(victim)
            survivor_watch.watch(survivor.port)
            victim.kill()
            time.sleep(args.survivor_run)
            victim.start()  # the survivor is still counted while the victim starts again
            survivor_watch.stop_watching()
            nodes.put_back(victim)
            time.sleep(random.uniform(args.min_run, args.max_run))
            # Then both die at once (signalled together, then waited for: the clients stop as the nodes go).
            for server in servers:
                server.proc.send_signal(signal.SIGKILL)
            stop.set()
            for server in servers:
                server.proc.wait()
            for t in threads:
                t.join()
            outbox_before = outbox_counts_postgres(cluster)
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_ready()
            # Requests that got no answer: retry with the same key, through either node; none may be stored twice.
            unknown, retries = retry_unanswered(ledger, nodes.port_for)
            lost, duplicated, problems = verify_postgres(cluster, ledger)
            total_lost, total_duplicated = lost, duplicated  # every acknowledged write ever is re-checked
            survived = survivor_watch.succeeded - answered_before
            failures = survivor_watch.failures[failed_before:]
            if failures:
                problems.append(f"the survivor failed {len(failures)} requests, e.g. {failures[:3]}")
            all_problems += [f"round {round_}: {p}" for p in problems]
            outbox_after = outbox_counts_postgres(cluster)
            outbox = f", outbox {outbox_before} -> {outbox_after}" if any(outbox_before.values()) else ""
            print(f"round {round_}: killed node {'ab'[servers.index(victim)]}, the survivor answered {survived} "
                  f"({len(failures)} failed); acknowledged {ledger.acknowledged()}, unanswered {len(unknown)} "
                  f"(retried: {retries or 'none'}), lost {lost}, duplicated {duplicated}{outbox}"
                  f"{'; ' + '; '.join(problems) if problems else ''}", flush=True)

        exits = [server.stop() for server in servers]
        survivor_failed = len(survivor_watch.failures)
        print(f"rounds {args.rounds}, acknowledged {ledger.acknowledged()}, lost {total_lost}, duplicated {total_duplicated}; "
              f"survivor answered {survivor_watch.succeeded}, failed {survivor_failed}")
        if any(status != 0 for status in exits):
            all_problems.append(f"final SIGTERM: exit statuses {exits}")
        for problem in all_problems:
            print("problem:", problem)
        clean = not all_problems and total_lost == 0 and total_duplicated == 0
        if not args.keep and clean:
            shutil.rmtree(work, ignore_errors=True)
        return 0 if clean else 1
    finally:
        for server in servers:
            if server.proc and server.proc.poll() is None:
                server.kill()
        cluster.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--conversations", type=int, default=4)
    parser.add_argument("--min-run", type=float, default=0.3, help="shortest time before the kill, seconds")
    parser.add_argument("--max-run", type=float, default=2.0, help="longest time before the kill, seconds")
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "parley"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--postgres", action="store_true",
                        help="two nodes on a private PostgreSQL cluster; one is killed under load while the other serves")
    parser.add_argument("--survivor-run", type=float, default=1.0,
                        help="--postgres: seconds the survivor serves alone before the killed node restarts")
    args = parser.parse_args()
    if args.postgres:
        sys.exit(run_postgres(args))

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
        unknown, retries = retry_unanswered(ledger, lambda _number: server.port)
        lost, duplicated, problems = verify(db, ledger)
        total_lost = lost  # cumulative by construction: every acknowledged write ever is re-checked
        total_duplicated = duplicated
        all_problems += [f"round {round_}: {p}" for p in problems]
        outbox_after = outbox_counts(db)
        outbox = f", outbox {outbox_before} -> {outbox_after}" if outbox_before else ""
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
