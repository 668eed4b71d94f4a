#!/usr/bin/env python3
"""A bounded connection flood against a running Parley on loopback (README, Operations, "Connections and timeouts").

Opens N slowloris connections (a request head sent one byte per interval, never finished) and M idle
connections (nothing sent), keeps them for at most --duration seconds, and meanwhile asks GET /healthz and
makes an authenticated POST /v1/Conversations (deleted again right after) once per --probe-interval on fresh
connections. Prints how many flood connections the server closed and after how long, and whether /healthz
and the create kept answering, with their latencies. Starts nothing itself; stdlib only.

    python3 tools/probe/connections.py --url http://127.0.0.1:8080 \\
        --account-sid "$ACCOUNT_SID" --auth-token "$AUTH_TOKEN" --slowloris 50 --idle 300 --duration 90
"""

import argparse
import base64
import http.client
import ipaddress
import json
import os
import resource
import selectors
import socket
import sys
import threading
import time
import urllib.parse

MAX_SLOWLORIS = 2000
MAX_IDLE = 5000
MAX_DURATION = 600


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the server (loopback only)")
    parser.add_argument("--slowloris", type=int, default=50, help=f"slow-head connections (at most {MAX_SLOWLORIS})")
    parser.add_argument("--idle", type=int, default=200, help=f"idle connections (at most {MAX_IDLE})")
    parser.add_argument("--duration", type=float, default=60, help=f"seconds the flood lasts at most (at most {MAX_DURATION})")
    parser.add_argument("--byte-interval", type=float, default=1.0, help="seconds between the bytes of a slow head")
    parser.add_argument("--probe-interval", type=float, default=1.0, help="seconds between /healthz and create probes")
    parser.add_argument("--account-sid", default=os.environ.get("PARLEY_ACCOUNT_SID"), help="for the create (or PARLEY_ACCOUNT_SID)")
    parser.add_argument("--auth-token", default=os.environ.get("PARLEY_AUTH_TOKEN"), help="for the create (or PARLEY_AUTH_TOKEN)")
    args = parser.parse_args()
    if not (0 <= args.slowloris <= MAX_SLOWLORIS and 0 <= args.idle <= MAX_IDLE and 0 < args.duration <= MAX_DURATION):
        parser.error(f"counts and duration are bounded: --slowloris 0..{MAX_SLOWLORIS}, --idle 0..{MAX_IDLE}, --duration 1..{MAX_DURATION}")
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        parser.error("--url must be http://HOST:PORT")
    addresses = {info[4][0] for info in socket.getaddrinfo(url.hostname, url.port or 80, proto=socket.IPPROTO_TCP)}
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        parser.error(f"{url.hostname} is not a loopback address: this tool floods only the local machine")
    args.host, args.port = url.hostname, url.port or 80
    return args


def raise_open_file_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Flood:
    """The flood's sockets, when each opened and when (and whether) the server closed it."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.selector = selectors.DefaultSelector()
        self.opened = {}  # socket -> (kind, open time)
        self.closed = {"slowloris": [], "idle": []}  # seconds each lived until the server closed it
        self.failed = {"slowloris": 0, "idle": 0}  # could not connect
        self.answers = {}  # kind -> first status lines received
        self.lock = threading.Lock()

    def open(self, kind, count):
        for _ in range(count):
            try:
                sock = socket.create_connection((self.host, self.port), timeout=5)
                sock.setblocking(False)
            except OSError:
                self.failed[kind] += 1
                continue
            with self.lock:
                self.opened[sock] = (kind, time.monotonic())
                self.selector.register(sock, selectors.EVENT_READ)

    def drip(self, head, index):
        """Sends byte `index` of `head` on every slowloris connection still open."""
        with self.lock:
            sockets = [s for s, (kind, _) in self.opened.items() if kind == "slowloris"]
        byte = head[index % len(head):index % len(head) + 1]
        for sock in sockets:
            try:
                sock.send(byte)
            except OSError:
                pass  # closed by the server: the watcher records it

    def watch(self, until):
        """Records each connection the server closes (end of input or reset), until `until` or none is left."""
        while time.monotonic() < until:
            with self.lock:
                if not self.opened:
                    return
            for key, _ in self.selector.select(timeout=0.2):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    line = data.split(b"\r\n", 1)[0].decode("latin-1")
                    with self.lock:
                        kind = self.opened[sock][0]
                        self.answers.setdefault(kind, {}).setdefault(line, 0)
                        self.answers[kind][line] += 1
                    continue
                with self.lock:
                    kind, opened = self.opened.pop(sock)
                    self.closed[kind].append(time.monotonic() - opened)
                    self.selector.unregister(sock)
                sock.close()

    def still_open(self, kind):
        with self.lock:
            return sum(1 for k, _ in self.opened.values() if k == kind)

    def close_all(self):
        with self.lock:
            for sock in list(self.opened):
                self.selector.unregister(sock)
                sock.close()
            self.opened.clear()


class Prober:
    """GET /healthz and an authenticated create, on fresh connections, once per interval."""

    def __init__(self, host, port, account_sid, auth_token):
        self.host, self.port = host, port
        self.auth = None
        if account_sid and auth_token:
            self.auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.results = {"healthz": [], "create": []}  # (status or error, seconds)

    def request(self, method, path, body=None, headers=None):
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            payload = response.read()
            connection.close()
            return response.status, time.monotonic() - started, payload
        except OSError as error:
            return type(error).__name__, time.monotonic() - started, b""

    def run(self, until, interval, stop):
        while time.monotonic() < until and not stop.is_set():
            status, seconds, _ = self.request("GET", "/healthz")
            self.results["healthz"].append((status, seconds))
            if self.auth:
                headers = {"Authorization": self.auth, "Content-Type": "application/x-www-form-urlencoded"}
                status, seconds, payload = self.request("POST", "/v1/Conversations", "FriendlyName=connection-probe", headers)
                self.results["create"].append((status, seconds))
                if status == 201:
                    sid = json.loads(payload).get("sid")
                    self.request("DELETE", f"/v1/Conversations/{sid}", headers={"Authorization": self.auth})
            stop.wait(interval)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def describe_closes(kind, wanted, flood):
    times = flood.closed[kind]
    line = f"{kind:9} opened {wanted - flood.failed[kind]}/{wanted}, closed by the server {len(times)}"
    if times:
        line += f" after p50 {percentile(times, 0.5):.1f} s, min {min(times):.1f} s, max {max(times):.1f} s"
    line += f"; still open at the end {flood.still_open(kind)}"
    answers = flood.answers.get(kind)
    if answers:
        line += "; answers: " + ", ".join(f"{count}x {status}" for status, count in answers.items())
    return line


def describe_probe(name, results, expected):
    if not results:
        return f"{name:9} not run" + (" (no --account-sid/--auth-token)" if name == "create" else "")
    good = [seconds for status, seconds in results if status == expected]
    others = {}
    for status, _ in results:
        if status != expected:
            others[status] = others.get(status, 0) + 1
    line = f"{name:9} {len(good)}/{len(results)} answered {expected}"
    if good:
        line += f", latency p50 {percentile(good, 0.5) * 1000:.1f} ms, p99 {percentile(good, 0.99) * 1000:.1f} ms, max {max(good) * 1000:.1f} ms"
    if others:
        line += "; otherwise " + ", ".join(f"{count}x {status}" for status, count in others.items())
    return line


def main():
    args = parse_args()
    limit = raise_open_file_limit(args.slowloris + args.idle + 64)
    if limit < args.slowloris + args.idle + 16:
        sys.exit(f"the open-file limit ({limit}) is too low for {args.slowloris + args.idle} connections")
    print(f"flood: {args.slowloris} slowloris (a byte every {args.byte_interval:g} s) and {args.idle} idle connections, "
          f"at most {args.duration:g} s, against {args.url}", flush=True)

    flood = Flood(args.host, args.port)
    prober = Prober(args.host, args.port, args.account_sid, args.auth_token)
    started = time.monotonic()
    until = started + args.duration
    stop = threading.Event()
    probing = threading.Thread(target=prober.run, args=(until, args.probe_interval, stop), daemon=True)
    probing.start()

    flood.open("slowloris", args.slowloris)
    flood.open("idle", args.idle)
    print(f"opened in {time.monotonic() - started:.1f} s", flush=True)
    watching = threading.Thread(target=flood.watch, args=(until,), daemon=True)
    watching.start()
    head = b"GET /healthz HTTP/1.1\r\nHost: probe\r\nX-Slow: " + b"a" * 4096
    index = 0
    while time.monotonic() < until and watching.is_alive():
        flood.drip(head, index)
        index += 1
        time.sleep(args.byte_interval)
    stop.set()
    watching.join()
    probing.join(timeout=15)
    print(f"ran {time.monotonic() - started:.1f} s")
    print(describe_closes("slowloris", args.slowloris, flood))
    print(describe_closes("idle", args.idle, flood))
    print(describe_probe("healthz", prober.results["healthz"], 200))
    print(describe_probe("create", prober.results["create"], 201))
    flood.close_all()


if __name__ == "__main__":
    main()
