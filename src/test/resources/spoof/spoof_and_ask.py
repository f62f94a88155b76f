#!/usr/bin/env python3
"""Spoofed requests in front of legitimate ones, for SpoofedSourceTest (run inside the test's network namespace).

usage: spoof_and_ask.py FAMILY SERVER PORT KIND ROUNDS
  FAMILY 4 or 6; SERVER the server's address; KIND what the spoofed request's source is:
    port0        the client's own address, source port 0 (no reply can be sent: EINVAL)
    broadcast    IPv4 198.18.0.255, the broadcast address of the namespace's dummy subnet (EACCES)
    unreachable  an address the namespace has no route to (ENETUNREACH)
Each round sends one spoofed request, then one request from each of 8 ordinary sockets, and waits up to 300 ms for
the 8 replies. Prints "legitimate SENT answered ANSWERED" and one line per round that lost replies.
"""
import select
import socket
import struct
import sys

family, server, port, kind, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
af = socket.AF_INET if family == 4 else socket.AF_INET6
IPV6_CHECKSUM = 7
IPV6_HDRINCL = 36


def request(transmit):
    # LI 0, version 4, mode 3; transmit timestamp as given
    return bytes([0x23]) + bytes(39) + struct.pack("!Q", transmit)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ipv4(src, dst, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, socket.IPPROTO_UDP, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    return header + payload  # the kernel fills the header checksum; UDP checksum 0 = none (IPv4 allows it)


def ipv6(src, dst, sport, dport, payload):
    s, d = socket.inet_pton(af, src), socket.inet_pton(af, dst)
    length = 8 + len(payload)
    pseudo = s + d + struct.pack("!I3xB", length, socket.IPPROTO_UDP)
    segment = udp(sport, dport, payload)
    c = checksum(pseudo + segment) or 0xFFFF
    segment = segment[:6] + struct.pack("!H", c) + segment[8:]
    return struct.pack("!IHBB", 6 << 28, length, socket.IPPROTO_UDP, 64) + s + d + segment


def spoofer():
    if kind == "port0":
        raw = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_UDP)
        if af == socket.AF_INET6:
            raw.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 6)  # the kernel computes the UDP checksum
        return raw, lambda t: raw.sendto(udp(0, port, request(t)), (server, 0))
    source = {(4, "broadcast"): "198.18.0.255", (4, "unreachable"): "198.19.255.9",
              (6, "unreachable"): "2001:db8:ffff::9"}[(family, kind)]
    if af == socket.AF_INET:
        raw = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IPPROTO_RAW implies IP_HDRINCL
        return raw, lambda t: raw.sendto(ipv4(source, server, udp(40000, port, request(t))), (server, 0))
    raw = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.IPPROTO_IPV6, IPV6_HDRINCL, 1)
    return raw, lambda t: raw.sendto(ipv6(source, server, 40000, port, request(t)), (server, 0))


raw, spoof = spoofer()
clients = []
for i in range(8):
    c = socket.socket(af, socket.SOCK_DGRAM)
    c.bind(("127.0.0.1" if family == 4 else "::1", 0))
    c.setblocking(False)
    clients.append(c)
sent = answered = 0
for r in range(rounds):
    spoof(r << 8 | 0xFF)
    for i, c in enumerate(clients):
        c.sendto(request(r << 8 | i), (server, port))
    sent += len(clients)
    waiting = {c: r << 8 | i for i, c in enumerate(clients)}
    got = 0
    while waiting:
        ready, _, _ = select.select(list(waiting), [], [], 0.3)
        if not ready:
            break
        for c in ready:
            data = c.recv(512)
            if len(data) >= 48 and struct.unpack("!Q", data[24:32])[0] == waiting[c]:
                del waiting[c]
                got += 1
    answered += got
    if got < len(clients):
        print("round %d: %d of %d answered" % (r, got, len(clients)))
print("legitimate %d answered %d" % (sent, answered))
