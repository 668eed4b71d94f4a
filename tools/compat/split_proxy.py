#!/usr/bin/env python3
"""A reverse proxy for the two-node compatibility run: GET and HEAD go to one node, every other method to the other.

    split_proxy.py LISTEN_PORT READ_PORT WRITE_PORT

The official helper library then writes through node A and reads through node B, so every check also proves that
what one node was told, the other serves at once. The Host header is passed through, so the absolute URLs Parley
builds (next_page_url, url, links) point at the proxy. Loopback only; for tests, not for production.
"""
import http.client
import http.server
import socketserver
import sys

LISTEN, READ, WRITE = (int(arg) for arg in sys.argv[1:4])
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class SplitHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        port = READ if self.command in ("GET", "HEAD") else WRITE
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        finally:
            upstream.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = forward

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", LISTEN), SplitHandler).serve_forever()
