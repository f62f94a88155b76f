/*
 * netdelay: a network delay emulator for a router namespace without netem (see README.md).
 *
 * iptables-legacy sends the router's forwarded UDP packets to two NFQUEUE queues, one per direction; this program
 * holds each packet for a delay drawn from that direction's law and then lets it go (NF_ACCEPT), or drops it.
 * The delay counts from the kernel's arrival stamp of the packet (nfq_get_timestamp: skb->tstamp, set when the
 * packet entered the router), not from when this program read it: its own wake-up latency is then not network time.
 * Run it at real-time priority (chrt -f 10) so the release is late by the timer's wake-up latency only; the last
 * --spin-us before a release are spent polling the clock instead of sleeping.
 *
 * Laws (seconds): const:D, uniform:A:B, exp:D0:J (D0 + J * Exp(1)). Path changes: --step-up/--step-down
 * UNIX_S:DELTA_S adds DELTA_S to that direction's delay for packets arriving at or after UNIX_S (repeatable).
 * A server step: --server-step UNIX_S:STEP_S adds STEP_S to the reference, receive and transmit timestamps of NTP
 * replies (UDP source port 123, down direction) whose transmit timestamp is at or after UNIX_S: what a client sees
 * when its server's clock steps. Seeded (xoshiro256**): one stream per direction for delays, one for losses.
 *
 * Per-packet log (--log FILE): DIR ARRIVAL_NS DELAY_NS LATE_NS VERDICT_NS READLAG_NS SPORT DPORT FLAGS T2_NS T3_NS,
 * DIR u|d, FLAGS a combination of D (dropped), M (mangled by the server step), N (no kernel stamp: arrival = read
 * time), - (none); T2_NS and T3_NS are an NTP reply's receive and transmit timestamps as the server sent them (Unix
 * ns; 0 for other packets).
 * LATE_NS is the clock just before the verdict call minus the intended release, VERDICT_NS the call's duration (it
 * forwards the packet, and often delivers it to the next namespace's socket, before it returns), READLAG_NS the
 * read time minus the arrival.
 * Lines are written at release, so they are in release order. At exit (SIGTERM, SIGINT, --duration) every held packet is released and a summary goes to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <math.h>
#include <netinet/in.h>
#include <linux/netfilter.h> /* NF_ACCEPT, NF_DROP (after netinet/in.h: linux/in.h would clash) */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 4096
#define MAX_STEPS 16
#define MAX_STATS (1 << 20)
#define NTP_UNIX_OFFSET_S 2208988800LL
#define NS 1000000000LL

enum law_kind { LAW_CONST, LAW_UNIFORM, LAW_EXP };

struct law {
    enum law_kind kind;
    double a, b; /* const: a; uniform: [a, b]; exp: a + b * Exp(1) (seconds) */
};

struct step {
    int64_t at_ns;
    int64_t delta_ns;
};

struct direction {
    const char *name;
    int queue;
    struct nfq_q_handle *qh;
    struct law law;
    double loss;
    struct step steps[MAX_STEPS];
    int nsteps;
    uint64_t rng_delay[4], rng_loss[4];
    /* counters */
    uint64_t queued, dropped, released, mangled, unstamped;
    int64_t *late, *verdict, *readlag;
    size_t nlate, nverdict, nreadlag;
};

struct held {
    int64_t release_ns;
    uint32_t id;
    struct direction *dir;
    unsigned char *data; /* mangled copy, or NULL */
    uint32_t len;
    int64_t arrival_ns, delay_ns, readlag_ns;
    int stamped, sport, dport;
    int64_t t2_ns, t3_ns; /* an NTP reply's receive and transmit timestamps (Unix ns), else 0 */
};

static struct direction dirs[2];
static struct held heap[MAX_HELD];
static int nheld;
static volatile sig_atomic_t stop_requested;
static FILE *pktlog;
static int64_t spin_ns = 100000, advance_ns;
static int64_t server_step_at_ns = INT64_MAX, server_step_ns;
static int server_port = 123;
static uint64_t overflow;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * NS + ts.tv_nsec;
}

/* ---------------------------------------------------------------- random numbers: xoshiro256** seeded by splitmix64 */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void seed_rng(uint64_t s[4], uint64_t seed) {
    for (int i = 0; i < 4; i++) s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(uint64_t s[4]) {
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* uniform in [0, 1) with 53 bits */
static double next_unit(uint64_t s[4]) { return (next_u64(s) >> 11) * 0x1.0p-53; }

static int64_t draw_delay_ns(struct direction *d, int64_t arrival_ns) {
    double s;
    switch (d->law.kind) {
    case LAW_CONST: s = d->law.a; break;
    case LAW_UNIFORM: s = d->law.a + (d->law.b - d->law.a) * next_unit(d->rng_delay); break;
    default: s = d->law.a - d->law.b * log1p(-next_unit(d->rng_delay)); break;
    }
    int64_t ns = llround(s * 1e9);
    for (int i = 0; i < d->nsteps; i++)
        if (arrival_ns >= d->steps[i].at_ns) ns += d->steps[i].delta_ns;
    return ns < 0 ? 0 : ns;
}

/* ---------------------------------------------------------------- the held packets: a min-heap on release time */

static void heap_push(struct held h) {
    int i = nheld++;
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (heap[parent].release_ns <= h.release_ns) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = h;
}

static struct held heap_pop(void) {
    struct held top = heap[0], last = heap[--nheld];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= nheld) break;
        if (c + 1 < nheld && heap[c + 1].release_ns < heap[c].release_ns) c++;
        if (last.release_ns <= heap[c].release_ns) break;
        heap[i] = heap[c];
        i = c;
    }
    if (nheld > 0) heap[i] = last;
    return top;
}

static void record(int64_t *arr, size_t *n, int64_t v) {
    if (arr && *n < MAX_STATS) arr[(*n)++] = v;
}

static void release(struct held h) {
    int64_t before = now_ns();
    if (nfq_set_verdict(h.dir->qh, h.id, NF_ACCEPT, h.data ? h.len : 0, h.data) < 0)
        fprintf(stderr, "netdelay: verdict for packet %u failed: %s\n", h.id, strerror(errno));
    int64_t call = now_ns() - before, late = before - h.release_ns;
    h.dir->released++;
    record(h.dir->late, &h.dir->nlate, late);
    record(h.dir->verdict, &h.dir->nverdict, call);
    if (pktlog)
        fprintf(pktlog, "%s %lld %lld %lld %lld %lld %d %d %s%s %lld %lld\n", h.dir->name, (long long)h.arrival_ns,
                (long long)h.delay_ns, (long long)late, (long long)call, (long long)h.readlag_ns, h.sport, h.dport,
                h.data ? "M" : "", h.stamped ? (h.data ? "" : "-") : "N", (long long)h.t2_ns, (long long)h.t3_ns);
    free(h.data);
}

/* ---------------------------------------------------------------- the server step: NTP timestamps in a reply */

static uint64_t get_be64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static void put_be64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (unsigned char)v;
}

static int64_t ntp_to_unix_ns(uint64_t t) {
    return t == 0 ? 0 : ((int64_t)(t >> 32) - NTP_UNIX_OFFSET_S) * NS + (int64_t)(((t & 0xffffffffULL) * NS) >> 32);
}

/* Returns a mangled copy of an IPv4 NTP reply that falls after the server step, or NULL. */
static unsigned char *server_step(const unsigned char *pkt, int len) {
    if (server_step_ns == 0 || len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_UDP) return NULL;
    int ihl = (pkt[0] & 15) * 4;
    if (len < ihl + 8 + 48 || (pkt[ihl] << 8 | pkt[ihl + 1]) != server_port) return NULL;
    const unsigned char *ntp = pkt + ihl + 8;
    if (ntp_to_unix_ns(get_be64(ntp + 40)) < server_step_at_ns) return NULL;
    unsigned char *copy = malloc((size_t)len);
    if (!copy) return NULL;
    memcpy(copy, pkt, (size_t)len);
    /* 2^32 units per second; the step is signed */
    int64_t units = (int64_t)llround((double)server_step_ns * 4.294967296);
    static const int fields[] = {16, 32, 40}; /* reference, receive, transmit */
    for (int i = 0; i < 3; i++) {
        unsigned char *f = copy + ihl + 8 + fields[i];
        uint64_t v = get_be64(f);
        if (v != 0) put_be64(f, v + (uint64_t)units);
    }
    copy[ihl + 6] = copy[ihl + 7] = 0; /* IPv4 UDP: checksum 0 = none */
    return copy;
}

/* ---------------------------------------------------------------- the queue callback */

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
    (void)qh;
    (void)msg;
    struct direction *d = data;
    int64_t read_ns = now_ns();
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph) return 0;
    uint32_t id = ntohl(ph->packet_id);
    struct timeval tv;
    int64_t arrival_ns;
    int stamped = nfq_get_timestamp(nfa, &tv) == 0 && tv.tv_sec != 0;
    if (stamped) {
        /* the kernel truncates to microseconds: the middle of the microsecond is the best guess */
        arrival_ns = (int64_t)tv.tv_sec * NS + (int64_t)tv.tv_usec * 1000 + 500;
    } else {
        arrival_ns = read_ns;
        d->unstamped++;
    }
    d->queued++;
    record(d->readlag, &d->nreadlag, read_ns - arrival_ns);
    unsigned char *payload;
    int len = nfq_get_payload(nfa, &payload), sport = 0, dport = 0;
    if (len >= 28 && (payload[0] >> 4) == 4 && payload[9] == IPPROTO_UDP && len >= (payload[0] & 15) * 4 + 8) {
        const unsigned char *udp = payload + (payload[0] & 15) * 4;
        sport = udp[0] << 8 | udp[1];
        dport = udp[2] << 8 | udp[3];
    }
    if (d->loss > 0 && next_unit(d->rng_loss) < d->loss) {
        nfq_set_verdict(d->qh, id, NF_DROP, 0, NULL);
        d->dropped++;
        if (pktlog) fprintf(pktlog, "%s %lld 0 0 0 %lld %d %d D%s 0 0\n", d->name, (long long)arrival_ns,
                            (long long)(read_ns - arrival_ns), sport, dport, stamped ? "" : "N");
        return 0;
    }
    int64_t delay_ns = draw_delay_ns(d, arrival_ns);
    unsigned char *mangled = d == &dirs[1] && len > 0 ? server_step(payload, len) : NULL;
    if (mangled) d->mangled++;
    struct held h = {arrival_ns + delay_ns - advance_ns, id, d, mangled, (uint32_t)(mangled ? len : 0),
                     arrival_ns, delay_ns, read_ns - arrival_ns, stamped, sport, dport, 0, 0};
    int ihl = len > 0 ? (payload[0] & 15) * 4 : 0;
    if (d == &dirs[1] && sport == server_port && len >= ihl + 8 + 48) { /* as the server sent them */
        h.t2_ns = ntp_to_unix_ns(get_be64(payload + ihl + 8 + 32));
        h.t3_ns = ntp_to_unix_ns(get_be64(payload + ihl + 8 + 40));
    }
    if (nheld >= MAX_HELD) {
        overflow++;
        release(h);
    } else {
        heap_push(h);
    }
    return 0;
}

/* ---------------------------------------------------------------- options */

static void usage(void) {
    fprintf(stderr,
            "usage: netdelay --queue-up N --queue-down M [options]\n"
            "  --up LAW, --down LAW      per-direction delay law (default const:0): const:D | uniform:A:B | exp:D0:J\n"
            "                            (seconds; exp = D0 + J * Exp(1))\n"
            "  --loss-up P, --loss-down P   drop probability (default 0)\n"
            "  --step-up UNIX_S:DELTA_S, --step-down UNIX_S:DELTA_S   path change: DELTA_S more delay for packets\n"
            "                            arriving from UNIX_S on (repeatable, cumulative)\n"
            "  --server-step UNIX_S:STEP_S   replies from port 123 transmitted from UNIX_S on carry STEP_S more in their\n"
            "                            reference, receive and transmit timestamps\n"
            "  --server-port P           the server's UDP port for --server-step (default 123)\n"
            "  --seed S                  random seed (default 1)\n"
            "  --spin-us US              poll the clock instead of sleeping this long before a release (default 100)\n"
            "  --advance-ns NS           release this much early (the verdict path's own latency; default 0)\n"
            "  --duration S              exit after S seconds (default 86400)\n"
            "  --log FILE                one line per packet (see the source's header)\n");
}

static int parse_law(const char *s, struct law *law) {
    char *end;
    if (strncmp(s, "const:", 6) == 0) {
        law->kind = LAW_CONST;
        law->a = strtod(s + 6, &end);
        return *end == 0 && law->a >= 0;
    }
    if (strncmp(s, "uniform:", 8) == 0) {
        law->kind = LAW_UNIFORM;
        law->a = strtod(s + 8, &end);
        if (*end != ':') return 0;
        law->b = strtod(end + 1, &end);
        return *end == 0 && law->a >= 0 && law->b >= law->a;
    }
    if (strncmp(s, "exp:", 4) == 0) {
        law->kind = LAW_EXP;
        law->a = strtod(s + 4, &end);
        if (*end != ':') return 0;
        law->b = strtod(end + 1, &end);
        return *end == 0 && law->a >= 0 && law->b >= 0;
    }
    return 0;
}

static int parse_pair(const char *s, int64_t *at_ns, int64_t *value_ns) {
    char *end;
    double at = strtod(s, &end);
    if (*end != ':') return 0;
    double v = strtod(end + 1, &end);
    if (*end != 0) return 0;
    *at_ns = llround(at * 1e9);
    *value_ns = llround(v * 1e9);
    return 1;
}

static void fail(const char *option, const char *value, const char *expected) {
    fprintf(stderr, "netdelay: %s %s: expected %s\n", option, value ? value : "(missing)", expected);
    exit(2);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int64_t *v, size_t n, double p) {
    if (n == 0) return NAN;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i];
}

static void summary(struct direction *d) {
    qsort(d->late, d->nlate, sizeof(int64_t), cmp_i64);
    qsort(d->verdict, d->nverdict, sizeof(int64_t), cmp_i64);
    qsort(d->readlag, d->nreadlag, sizeof(int64_t), cmp_i64);
    fprintf(stderr,
            "netdelay %s: queued %llu dropped %llu released %llu mangled %llu unstamped %llu; "
            "late p50 %.1f us p99 %.1f us max %.1f us; verdict call p50 %.1f us p99 %.1f us; "
            "readlag p50 %.1f us p99 %.1f us\n",
            d->name, (unsigned long long)d->queued, (unsigned long long)d->dropped, (unsigned long long)d->released,
            (unsigned long long)d->mangled, (unsigned long long)d->unstamped, pct(d->late, d->nlate, 0.5) / 1e3,
            pct(d->late, d->nlate, 0.99) / 1e3, d->nlate ? (double)d->late[d->nlate - 1] / 1e3 : NAN,
            pct(d->verdict, d->nverdict, 0.5) / 1e3, pct(d->verdict, d->nverdict, 0.99) / 1e3,
            pct(d->readlag, d->nreadlag, 0.5) / 1e3, pct(d->readlag, d->nreadlag, 0.99) / 1e3);
}

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv) {
    uint64_t seed = 1;
    double duration_s = 86400;
    const char *log_path = NULL;
    dirs[0] = (struct direction){.name = "u", .queue = -1};
    dirs[1] = (struct direction){.name = "d", .queue = -1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage();
            return 0;
        }
        if (!v) fail(o, NULL, "a value");
        i++;
        if (!strcmp(o, "--queue-up") || !strcmp(o, "--queue-down")) {
            long q = strtol(v, &end, 10);
            if (*end || q < 0 || q > 65535) fail(o, v, "a queue number 0..65535");
            dirs[o[8] == 'u' ? 0 : 1].queue = (int)q;
        } else if (!strcmp(o, "--up") || !strcmp(o, "--down")) {
            if (!parse_law(v, &dirs[o[2] == 'u' ? 0 : 1].law)) fail(o, v, "const:D, uniform:A:B or exp:D0:J (seconds)");
        } else if (!strcmp(o, "--loss-up") || !strcmp(o, "--loss-down")) {
            double p = strtod(v, &end);
            if (*end || p < 0 || p > 1) fail(o, v, "a probability 0..1");
            dirs[o[7] == 'u' ? 0 : 1].loss = p;
        } else if (!strcmp(o, "--step-up") || !strcmp(o, "--step-down")) {
            struct direction *d = &dirs[o[7] == 'u' ? 0 : 1];
            if (d->nsteps == MAX_STEPS) fail(o, v, "at most 16 steps");
            if (!parse_pair(v, &d->steps[d->nsteps].at_ns, &d->steps[d->nsteps].delta_ns))
                fail(o, v, "UNIX_S:DELTA_S");
            d->nsteps++;
        } else if (!strcmp(o, "--server-step")) {
            if (!parse_pair(v, &server_step_at_ns, &server_step_ns)) fail(o, v, "UNIX_S:STEP_S");
        } else if (!strcmp(o, "--server-port")) {
            long p = strtol(v, &end, 10);
            if (*end || p < 1 || p > 65535) fail(o, v, "a port");
            server_port = (int)p;
        } else if (!strcmp(o, "--seed")) {
            seed = strtoull(v, &end, 10);
            if (*end) fail(o, v, "an unsigned integer");
        } else if (!strcmp(o, "--spin-us")) {
            double us = strtod(v, &end);
            if (*end || us < 0 || us > 10000) fail(o, v, "microseconds 0..10000");
            spin_ns = llround(us * 1e3);
        } else if (!strcmp(o, "--advance-ns")) {
            advance_ns = strtoll(v, &end, 10);
            if (*end || advance_ns < 0 || advance_ns > 1000000) fail(o, v, "nanoseconds 0..1000000");
        } else if (!strcmp(o, "--duration")) {
            duration_s = strtod(v, &end);
            if (*end || duration_s <= 0) fail(o, v, "seconds > 0");
        } else if (!strcmp(o, "--log")) {
            log_path = v;
        } else {
            fprintf(stderr, "netdelay: unknown option %s (see --help)\n", o);
            return 2;
        }
    }
    if (dirs[0].queue < 0 || dirs[1].queue < 0 || dirs[0].queue == dirs[1].queue) {
        fprintf(stderr, "netdelay: --queue-up and --queue-down are required and must differ\n");
        return 2;
    }
    for (int i = 0; i < 2; i++) {
        seed_rng(dirs[i].rng_delay, seed * 4 + (uint64_t)i * 2);
        seed_rng(dirs[i].rng_loss, seed * 4 + (uint64_t)i * 2 + 1);
        dirs[i].late = malloc(MAX_STATS * sizeof(int64_t));
        dirs[i].verdict = malloc(MAX_STATS * sizeof(int64_t));
        dirs[i].readlag = malloc(MAX_STATS * sizeof(int64_t));
    }
    if (log_path && !(pktlog = fopen(log_path, "w"))) {
        fprintf(stderr, "netdelay: cannot open %s: %s\n", log_path, strerror(errno));
        return 2;
    }

    /* skb->tstamp is only set while some socket wants receive timestamps: be that socket */
    int tsock = socket(AF_INET, SOCK_DGRAM, 0), on = 1;
    if (tsock < 0 || setsockopt(tsock, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0)
        fprintf(stderr, "netdelay: cannot enable kernel receive timestamps (%s): delays will count from read time\n",
                strerror(errno));

    struct nfq_handle *h = nfq_open();
    if (!h) {
        fprintf(stderr, "netdelay: nfq_open failed: %s (root? nfnetlink_queue?)\n", strerror(errno));
        return 1;
    }
    nfq_bind_pf(h, AF_INET); /* only needed on old kernels; harmless otherwise */
    for (int i = 0; i < 2; i++) {
        dirs[i].qh = nfq_create_queue(h, (uint16_t)dirs[i].queue, on_packet, &dirs[i]);
        if (!dirs[i].qh) {
            fprintf(stderr, "netdelay: cannot bind queue %d: %s\n", dirs[i].queue, strerror(errno));
            return 1;
        }
        if (nfq_set_mode(dirs[i].qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
            fprintf(stderr, "netdelay: nfq_set_mode failed: %s\n", strerror(errno));
            return 1;
        }
        nfq_set_queue_maxlen(dirs[i].qh, MAX_HELD);
    }
    nfnl_rcvbufsiz(nfq_nfnlh(h), 4 << 20);
    int fd = nfq_fd(h);
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on);

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    static char buf[0x10000 + 4096] __attribute__((aligned));
    int64_t end_ns = now_ns() + llround(duration_s * 1e9);
    while (!stop_requested) {
        int64_t now = now_ns();
        while (nheld > 0 && heap[0].release_ns <= now) {
            release(heap_pop());
            now = now_ns();
        }
        if (now >= end_ns) break;
        int64_t wait_ns = nheld > 0 ? heap[0].release_ns - now : 100000000;
        if (wait_ns > 100000000) wait_ns = 100000000;
        if (wait_ns > spin_ns) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            struct timespec t = {.tv_sec = 0, .tv_nsec = (long)(wait_ns - spin_ns)};
            ppoll(&p, 1, &t, NULL); /* EINTR on a signal: the loop checks the flag */
        }
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ENOBUFS)
                    fprintf(stderr, "netdelay: recv: %s\n", strerror(errno));
                break;
            }
            nfq_handle_packet(h, buf, (int)n);
        }
    }
    while (nheld > 0) release(heap_pop());
    if (pktlog) fclose(pktlog);
    summary(&dirs[0]);
    summary(&dirs[1]);
    if (overflow) fprintf(stderr, "netdelay: %llu packets released at once (more than %d held)\n",
                          (unsigned long long)overflow, MAX_HELD);
    for (int i = 0; i < 2; i++) nfq_destroy_queue(dirs[i].qh);
    nfq_close(h);
    return 0;
}
