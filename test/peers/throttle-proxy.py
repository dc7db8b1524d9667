"""A TCP proxy that limits the client -> server direction to a bit rate.

Why Python: a slow link is only visible to the sender when the kernel buffers
in between are small. Node cannot set SO_RCVBUF, and loopback autotuning lets
megabytes pile up in the proxy's receive buffer, hiding the throttle for
tens of seconds. Setting SO_RCVBUF disables that autotuning.

Usage: throttle-proxy.py <target-port> <kbps>   (0 = unlimited)
Prints the listening port on stdout; reads commands, one a line, on stdin:
  <kbps>   a new client -> server rate (0 = unlimited)
  stall    stop passing bytes both ways (connections stay open, as on a dead link)
  resume   pass bytes again, at the rate in force
A client whose upstream cannot be reached (the server is down) is closed.
"""
import socket
import sys
import threading
import time

target = int(sys.argv[1])
rate = [int(sys.argv[2])]  # kbps, shared with the stdin reader
RCVBUF = 16 * 1024
TICK = 0.02
flowing = threading.Event()  # cleared while stalled
flowing.set()


def pump_plain(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            flowing.wait()
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pump_throttled(src, dst):
    try:
        while True:
            kbps = rate[0]
            n = 65536 if kbps <= 0 else max(1, int(kbps * 1000 / 8 * TICK))
            b = src.recv(n)
            if not b:
                break
            flowing.wait()
            dst.sendall(b)
            if kbps > 0:
                time.sleep(TICK * len(b) / n)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(listener):
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection(('127.0.0.1', target))
        except OSError:
            client.close()
            continue
        threading.Thread(target=pump_throttled, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump_plain, args=(upstream, client), daemon=True).start()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
listener.bind(('127.0.0.1', 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
threading.Thread(target=serve, args=(listener,), daemon=True).start()
for line in sys.stdin:
    line = line.strip()
    if line == 'stall':
        flowing.clear()
    elif line == 'resume':
        flowing.set()
    elif line:
        rate[0] = int(line)
