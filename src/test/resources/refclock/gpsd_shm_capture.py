# Runs a real gpsd on a UDP NMEA feed and prints what it writes into the NTP shared-memory segment NTP0, so that
# GpsdShmInteropTest can read gpsd's bytes with jntpd's ShmReader. Run inside `unshare --ipc` (the segment dies
# with the namespace). Feeds one $GPRMC + $GPGGA per second, 0.2 s after the second they label; reads the segment
# read-only (SHM_RDONLY), so gpsd's valid flag stays as gpsd left it.
# Usage: python3 gpsd_shm_capture.py PORT SAMPLES   -> lines "sent=NS sec=S hex=96-BYTES"
import binascii, ctypes, functools, socket, subprocess, sys, time

port, wanted = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
SHM_RDONLY = 0o10000
gpsd = subprocess.Popen(["gpsd", "-N", "-n", "-D", "0", "udp://127.0.0.1:%d" % port],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def sentence(body):
    return "$%s*%02X\r\n" % (body, functools.reduce(lambda a, c: a ^ ord(c), body, 0))


seen, last, addr = 0, None, None
try:
    deadline = time.time() + 30
    while seen < wanted and time.time() < deadline:
        sec = int(time.time()) + 1
        time.sleep(max(0.0, sec + 0.2 - time.time()))
        t = time.gmtime(sec)
        hms, dmy = time.strftime("%H%M%S", t), time.strftime("%d%m%y", t)
        sent = time.time_ns()
        tx.sendto((sentence("GPRMC,%s.00,A,4807.038,N,01131.000,E,0.0,0.0,%s,,,A" % (hms, dmy))
                   + sentence("GPGGA,%s.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,," % hms)).encode(),
                  ("127.0.0.1", port))
        time.sleep(0.3)
        if addr is None:
            shmid = libc.shmget(0x4e545030, 96, 0)
            if shmid < 0:
                continue
            addr = libc.shmat(shmid, None, SHM_RDONLY)
        data = ctypes.string_at(addr, 96)
        if data != last and data[48] == 1:
            last, seen = data, seen + 1
            print("sent=%d sec=%d hex=%s" % (sent, sec, binascii.hexlify(data).decode()), flush=True)
finally:
    gpsd.terminate()
    gpsd.wait(5)
