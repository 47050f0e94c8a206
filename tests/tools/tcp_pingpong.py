#!/usr/bin/env python3
"""tcp_pingpong.py - a test tool: a TCP echo server, or a client that sends N messages
back to back, each after the echo of the previous one (so that every echo leaves
at once: no delayed ACK in the RTT; the client asks for a quick ACK after each echo,
so the last one is acknowledged at once too), then holds the connection open until FILE exists
(the test reads `ss -ti` meanwhile) or HOLD seconds passed.

  tcp_pingpong.py server ADDR PORT SECONDS
  tcp_pingpong.py client ADDR PORT N FILE HOLD
"""
import socket
import sys
import threading
import time
import os


def serve(addr, port, seconds):
    s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    s.settimeout(seconds)

    def echo(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.settimeout(seconds)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()

    end = time.time() + seconds
    while time.time() < end:
        try:
            c, _ = s.accept()
        except OSError:
            break
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def client(addr, port, n, path, hold):
    c = socket.create_connection((addr, port), timeout=10)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b'x' * 100
    for _ in range(n):
        c.sendall(msg)
        got = 0
        while got < len(msg):
            d = c.recv(65536)
            if not d:
                sys.exit('closed early')
            got += len(d)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    print('done', c.getsockname()[1], flush=True)
    end = time.time() + hold
    while time.time() < end and not os.path.exists(path):
        time.sleep(0.02)
    c.close()


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        serve(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6]))
