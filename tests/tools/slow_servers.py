#!/usr/bin/env python3
"""slow_servers.py - test tools for service latency: servers that answer after a set
delay, and a DNS client that sends one query per socket (a new port, so a new flow).

  slow_servers.py dns ADDR PORT DELAY_MS SECONDS
      UDP DNS: a name starting with "nx" gets NXDOMAIN, with "fail" SERVFAIL, any
      other an A record 198.18.7.7; each answer leaves DELAY_MS after its query.
  slow_servers.py http ADDR PORT DELAY_MS SECONDS
      HTTP/1.1 (keep-alive): GET /status/NNN answers status NNN after DELAY_MS.
  slow_servers.py dnsq ADDR PORT NAME...
      one query per name; prints "RCODE MS" per answer (MS: the client's own timing).
  slow_servers.py dnsq1 ADDR PORT NAME...
      the same, every query from one socket (one UDP flow), each with its own id.
"""
import http.server
import socket
import struct
import sys
import threading
import time


def dns_answer(q):
    qid, flags = struct.unpack('!HH', q[:4])
    pos, labels = 12, []
    while q[pos]:
        labels.append(q[pos + 1:pos + 1 + q[pos]].decode())
        pos += 1 + q[pos]
    qend = pos + 5
    name = '.'.join(labels)
    rcode = 3 if name.startswith('nx') else 2 if name.startswith('fail') else 0
    an = 0 if rcode else 1
    hdr = struct.pack('!HHHHHH', qid, 0x8180 | rcode, 1, an, 0, 0)
    body = q[12:qend]
    if an:
        body += struct.pack('!HHHIH', 0xc00c, 1, 1, 60, 4) + socket.inet_aton('198.18.7.7')
    return hdr + body


def dns(addr, port, delay, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.2)
    end = time.time() + seconds
    while time.time() < end:
        try:
            q, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        a = dns_answer(q)
        threading.Timer(delay, s.sendto, (a, peer)).start()


def http_srv(addr, port, delay, seconds):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay)
            code = int(self.path.rsplit('/', 1)[-1]) if self.path.startswith('/status/') else 200
            body = b'status %d\n' % code
            self.send_response(code)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    H.protocol_version = 'HTTP/1.1'  # several requests on one connection
    srv = http.server.ThreadingHTTPServer((addr, port), H)
    threading.Timer(seconds, srv.shutdown).start()
    srv.serve_forever()


def dnsq(addr, port, names, one_socket=False):
    s = None
    for i, name in enumerate(names):
        q = struct.pack('!HHHHHH', 0x1234 + i, 0x0100, 1, 0, 0, 0)
        for l in name.split('.'):
            q += bytes([len(l)]) + l.encode()
        q += b'\0' + struct.pack('!HH', 1, 1)
        if not s:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
        t = time.monotonic()
        s.sendto(q, (addr, port))
        a = s.recv(2048)
        print(struct.unpack('!H', a[2:4])[0] & 15, '%.3f' % ((time.monotonic() - t) * 1e3),
              flush=True)
        if not one_socket:
            s.close()
            s = None


if __name__ == '__main__':
    k = sys.argv[1]
    if k == 'dns':
        dns(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) / 1e3, float(sys.argv[5]))
    elif k == 'http':
        http_srv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) / 1e3, float(sys.argv[5]))
    else:
        dnsq(sys.argv[2], int(sys.argv[3]), sys.argv[4:], k == 'dnsq1')
