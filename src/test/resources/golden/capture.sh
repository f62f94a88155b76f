#!/usr/bin/env bash
# Captures real NTP exchanges between chronyd, NTPsec ntpd, ntpdig and ntpq for the wire-format golden tests.
# Not run by the test suite (the suite only decodes the files this writes). Needs root, chrony, ntpsec-ntpdig,
# python3-ntp, tshark, and an unpacked NTPsec package:
#   mkdir -p /tmp/wire-ntpsec && cd /tmp/wire-ntpsec && apt-get download ntpsec && dpkg-deb -x ntpsec_*.deb root
# Usage: capture.sh NTPSEC_ROOT OUTPUT_DIR
#
# Safety: every daemon runs inside two network namespaces made here (198.18.0.1 and 198.18.0.2 on a veth pair),
# which are deleted on exit. chronyd runs with -x (never touches the clock); NTPsec ntpd runs with CAP_SYS_TIME
# removed from its bounding set (setpriv), so its clock calls fail with EPERM; the script checks that.
set -euo pipefail

ntpsec=${1:?NTPsec root (dpkg-deb -x output)}
out=${2:?output directory}
ns_a=jw-golden-a
ns_b=jw-golden-b
work=$(mktemp -d /tmp/wire-golden.XXXXXX)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

in_a() { ip netns exec "$ns_a" "$@"; }
in_b() { ip netns exec "$ns_b" "$@"; }

ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add jw-veth-a type veth peer name jw-veth-b
ip link set jw-veth-a netns "$ns_a"
ip link set jw-veth-b netns "$ns_b"
in_a ip link set lo up
in_b ip link set lo up
in_a ip addr add 198.18.0.1/24 dev jw-veth-a
in_b ip addr add 198.18.0.2/24 dev jw-veth-b
in_a ip link set jw-veth-a up
in_b ip link set jw-veth-b up

# Capture everything on port 123 in namespace A (its loopback and the veth to B).
in_a tshark -q -i any -f "udp port 123" -w "$work/capture.pcapng" 2>"$work/tshark.log" &
pids+=($!)
sleep 3

# chronyd server in A: local stratum 3, no clock control, no command socket.
cat >"$work/chrony-server.conf" <<EOF
port 123
allow 127.0.0.0/8
allow 198.18.0.0/15
local stratum 3
cmdport 0
bindcmdaddress /
pidfile $work/chrony-server.pid
driftfile $work/chrony-server.drift
EOF
in_a chronyd -x -d -f "$work/chrony-server.conf" >"$work/chrony-server.log" 2>&1 &
pids+=($!)
sleep 2

# NTPsec ntpd in B, upstream the chronyd in A; mode 6 queries allowed from 198.18.0.0/24; test-only keys
# (the same as /work/shared/golden/auth/ntp.keys) for MACs in modes 3/4 and 6.
cat >"$work/ntp.keys" <<EOF
1 md5 7c49d1280512431cb950fccb0cf457eaee01e358
2 sha1 899a4fa16a4a2dd62b02f5ec8628a410049863d9
EOF
chmod 600 "$work/ntp.keys"
cat >"$work/ntpsec.conf" <<EOF
server 198.18.0.1 iburst minpoll 3 maxpoll 3
disable kernel
keys $work/ntp.keys
trustedkey 1 2
controlkey 1
driftfile $work/ntpsec.drift
restrict default kod limited nomodify noquery
restrict 198.18.0.0 mask 255.255.255.0 kod nomodify
restrict 127.0.0.1
EOF
in_b setpriv --bounding-set -sys_time "$ntpsec/usr/sbin/ntpd" -n -4 -c "$work/ntpsec.conf" -l "$work/ntpsec.log" -p "$work/ntpsec.pid" &
pids+=($!)
sleep 1
ntpd_pid=$(cat "$work/ntpsec.pid")
grep -E '^Cap(Bnd|Eff)' "/proc/$ntpd_pid/status" >"$work/ntpsec-caps.txt"
# CAP_SYS_TIME is bit 25: it must be clear in the bounding set.
bnd=$(awk '/^CapBnd/ {print $2}' "$work/ntpsec-caps.txt")
if (( (16#$bnd >> 25) & 1 )); then echo "ntpd still has CAP_SYS_TIME" >&2; exit 1; fi

# 1. ntpdig against the just-started (unsynchronised) ntpd.
in_a ntpdig -t 2 198.18.0.2 >"$work/ntpdig-unsync.txt" 2>&1 || true

# 2. chronyd as a client (chronyd -Q measures, never sets) of the chronyd server, basic then interleaved.
cat >"$work/chrony-client.conf" <<EOF
server 127.0.0.1 iburst maxsamples 4
pidfile $work/chrony-client.pid
cmdport 0
bindcmdaddress /
EOF
in_a timeout 20 chronyd -Q -f "$work/chrony-client.conf" >"$work/chrony-client.log" 2>&1 || true
cat >"$work/chrony-client-xleave.conf" <<EOF
server 127.0.0.1 iburst xleave maxsamples 6
pidfile $work/chrony-client-xleave.pid
cmdport 0
bindcmdaddress /
EOF
in_a timeout 20 chronyd -Q -f "$work/chrony-client-xleave.conf" >"$work/chrony-client-xleave.log" 2>&1 || true

# 3. Wait (bounded) for ntpd to synchronise to chronyd, then query it.
for _ in $(seq 1 60); do
    if in_a "$ntpsec/usr/bin/ntpq" -c "rv 0 stratum" 198.18.0.2 2>/dev/null | grep -q 'stratum=4'; then break; fi
    sleep 2
done
in_a ntpdig -t 2 198.18.0.2 >"$work/ntpdig-sync.txt" 2>&1 || true
in_a ntpdig -t 2 198.18.0.1 >"$work/ntpdig-chrony.txt" 2>&1 || true
in_a "$ntpsec/usr/bin/ntpq" -c rv 198.18.0.2 >"$work/ntpq-rv.txt" 2>&1 || true
# Keyed: ntpdig with key 1 (MD5) and key 2 (SHA-1); ntpq reading "stratum" authenticated with each key.
for key in 1 2; do
    in_a ntpdig -t 2 -a $key -k "$work/ntp.keys" 198.18.0.2 >"$work/ntpdig-key$key.txt" 2>&1 || true
    in_a "$ntpsec/usr/bin/ntpq" -a $key -k "$work/ntp.keys" -c "authenticate yes" -c passwd -c "rv 0 stratum" 198.18.0.2 \
        >"$work/ntpq-key$key.txt" 2>&1 || true
done
cat >"$work/chrony-client-ntpsec.conf" <<EOF
server 198.18.0.2 iburst maxsamples 4
pidfile $work/chrony-client-ntpsec.pid
cmdport 0
bindcmdaddress /
EOF
in_a timeout 20 chronyd -Q -f "$work/chrony-client-ntpsec.conf" >"$work/chrony-client-ntpsec.log" 2>&1 || true
sleep 2

kill "${pids[0]}" # tshark: flush the capture
sleep 2
mkdir -p "$out"
tshark -r "$work/capture.pcapng" -T fields -E separator=' ' \
    -e frame.time_epoch -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e udp.length -e udp.payload \
    >"$work/capture.txt"
cp "$work/capture.pcapng" "$out/capture.pcapng"
cp "$work/capture.txt" "$out/capture.txt"
for f in ntpsec-caps.txt ntpdig-unsync.txt ntpdig-sync.txt ntpdig-chrony.txt ntpq-rv.txt ntpdig-key1.txt ntpdig-key2.txt \
         ntpq-key1.txt ntpq-key2.txt chrony-client.log \
         chrony-client-xleave.log chrony-client-ntpsec.log chrony-server.conf ntpsec.conf chrony-client.conf \
         chrony-client-xleave.conf chrony-client-ntpsec.conf; do
    cp "$work/$f" "$out/$f"
done
sed -n '1,40p' "$work/ntpsec.log" >"$out/ntpsec.log"
echo "captured $(wc -l <"$work/capture.txt") packets into $out"
