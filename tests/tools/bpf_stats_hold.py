#!/usr/bin/env python3
"""bpf_stats_hold.py - a test tool: turn the kernel's BPF run-time statistics on
(bpf(BPF_ENABLE_STATS, BPF_STATS_RUN_TIME), as monitor --cost-sample does), print "on",
and hold them until FILE exists or SECONDS passed; the kernel turns them off again when
the descriptor closes (unless something else holds them).

  bpf_stats_hold.py FILE SECONDS
"""
import ctypes
import os
import sys
import time

NR_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_ENABLE_STATS, BPF_STATS_RUN_TIME = 32, 0


def main():
    path, seconds = sys.argv[1], float(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 16)(BPF_STATS_RUN_TIME)
    fd = libc.syscall(NR_BPF, BPF_ENABLE_STATS, ctypes.byref(attr), ctypes.sizeof(attr))
    if fd < 0:
        print("bpf(BPF_ENABLE_STATS): " + os.strerror(ctypes.get_errno()), flush=True)
        return 1
    print("on", flush=True)
    end = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.02)
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
