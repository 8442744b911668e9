#!/usr/bin/env python3
"""A tiny HTTP(S) server for NodeTransport's tests: the reply is chosen by the request path.

    http_test_server.py --port-file FILE [--cert PEM --key PEM]

Binds 127.0.0.1 on a free port, writes the port to FILE (atomically) once listening, and serves
HTTP/1.1 with keep-alive. Paths (query parameters in brackets):

  /echo                   200, JSON describing the request and the connection it came on
                          (the server checks method POST and Content-Type application/json:
                          405 / 415 otherwise)
  /status/NNN             status NNN with a short JSON body
  /big [bytes, chunked]   a body of `bytes` bytes, with Content-Length or chunked (chunked=1)
  /hang                   reads the request, never replies (until the client goes away)
  /drip [bytes, interval_ms]  Content-Length `bytes`, then one byte every `interval_ms`
  /delay [ms]             waits, then replies as /echo

Python standard library only.
"""
import argparse
import json
import os
import select
import signal
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
connections = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "http-test-server"

    def setup(self):
        global connections
        super().setup()
        # Replies go out as separate writes (headers, body): without NODELAY, Nagle and the
        # client's delayed ACK would add 40 ms to every reply on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with lock:
            connections += 1
            self.connection_number = connections
        self.requests_on_connection = 0

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.reply(405, {"error": "POST only"})

    def do_POST(self):
        self.requests_on_connection += 1
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/echo":
            self.echo(body)
        elif path.startswith("/status/"):
            self.reply(int(path[len("/status/"):]), {"status": "as asked"})
        elif path == "/big":
            self.big(int(query.get("bytes", "2000000")), query.get("chunked") == "1")
        elif path == "/hang":
            self.hang()
        elif path == "/drip":
            self.drip(int(query.get("bytes", "1000")), int(query.get("interval_ms", "200")))
        elif path == "/delay":
            time.sleep(int(query.get("ms", "500")) / 1000)
            self.echo(body)
        else:
            self.reply(404, {"error": "no such path"})

    def echo(self, body):
        content_type = self.headers.get("Content-Type", "")
        if content_type != "application/json":
            self.reply(415, {"error": "Content-Type must be application/json", "got": content_type})
            return
        self.reply(200, {
            "method": self.command,
            "path": self.path,
            "content_type": content_type,
            "user_agent": self.headers.get("User-Agent", ""),
            "expect": self.headers.get("Expect"),
            "body": body.decode("utf-8", "replace"),
            "connection": self.connection_number,
            "connections": connections,
            "request_on_connection": self.requests_on_connection,
        })

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def big(self, size, chunked):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                part = block[: min(len(block), size - sent)]
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
                else:
                    self.wfile.write(part)
                sent += len(part)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def hang(self):
        # Wait until the client closes (its timeout fired) so the thread ends with the test.
        self.close_connection = True
        while True:
            readable, _, _ = select.select([self.connection], [], [], 0.5)
            if readable:
                try:
                    if not self.connection.recv(1):
                        return
                except OSError:
                    return

    def drip(self, size, interval_ms):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.close_connection = True
        try:
            for _ in range(size):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(interval_ms / 1000)
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def get_request(self):
        conn, addr = self.socket.accept()
        if self.tls is not None:
            # The handshake happens in the connection's own thread, on first read.
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address):
        pass  # refused handshakes and reset connections are what some tests provoke


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    # A parent that blocks signals (Foundation's Process under Swift Testing does) passes its mask
    # on; unblock SIGTERM so that stopping the server works.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    server = Server(("127.0.0.1", 0), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.tls = context
    temporary = args.port_file + ".tmp"
    with open(temporary, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(temporary, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
