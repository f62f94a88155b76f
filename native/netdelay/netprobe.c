/*
 * netprobe: one-way delay from one network namespace to another, from kernel stamps on both ends (same host clock).
 *
 *   netprobe FROM_NETNS TO_NETNS DST_ADDR PORT COUNT INTERVAL_US [RAW_FILE]
 *
 * Opens a UDP receiver bound to PORT in TO_NETNS (SO_TIMESTAMPNS) and a sender in FROM_NETNS (SO_TIMESTAMPING: the
 * software TX stamp from the error queue), by entering each namespace (/run/netns/NAME or a path) before making its
 * socket. Sends COUNT numbered datagrams to DST_ADDR:PORT, one at a time (the next once the previous arrived or 1 s
 * passed), INTERVAL_US apart on average (uniform 0.5x..1.5x, so no timer beats with it), and prints the one-way
 * delay RX stamp - TX stamp: "sent N received M lost L p1 P p50 P p99 P max P mean P (us)". RAW_FILE gets
 * "SEQ TX_NS RX_NS" per received datagram. Measures netdelay's own error: through a router running it with a
 * constant delay D, the excess over D (and over the same path without the queue) is what it adds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

static void die(const char *what) {
    fprintf(stderr, "netprobe: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void enter(const char *ns) {
    char path[512];
    snprintf(path, sizeof path, strchr(ns, '/') ? "%s" : "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) die(path);
    close(fd);
}

static int64_t ts_ns(const struct timespec *t) { return t->tv_sec * NS + t->tv_nsec; }

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The TX stamp of the last datagram sent on s (error queue), or 0 after 100 ms. */
static int64_t tx_stamp(int s) {
    for (int tries = 0; tries < 100; tries++) {
        char control[512], data[64];
        struct iovec iov = {data, sizeof data};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        if (recvmsg(s, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
            struct pollfd p = {s, 0, 0};
            poll(&p, 1, 1);
            continue;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING)
                return ts_ns(&((struct scm_timestamping *)CMSG_DATA(c))->ts[0]);
    }
    return 0;
}

/* Waits up to timeout_ms for datagram seq on r; its RX stamp, or 0. Older datagrams are skipped. */
static int64_t rx_stamp(int r, uint32_t seq, int timeout_ms) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int left = timeout_ms - (int)((ts_ns(&now) - ts_ns(&start)) / 1000000);
        if (left <= 0) return 0;
        struct pollfd p = {r, POLLIN, 0};
        if (poll(&p, 1, left) <= 0) continue;
        char control[512];
        uint32_t got = 0;
        struct iovec iov = {&got, sizeof got};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        if (recvmsg(r, &m, MSG_DONTWAIT) < (ssize_t)sizeof got || got != seq) continue;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
                return ts_ns((struct timespec *)CMSG_DATA(c));
    }
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: netprobe FROM_NETNS TO_NETNS DST_ADDR PORT COUNT INTERVAL_US [RAW_FILE]\n");
        return 2;
    }
    int port = atoi(argv[4]), count = atoi(argv[5]);
    double interval_us = atof(argv[6]);
    if (port <= 0 || port > 65535 || count <= 0 || interval_us < 0) {
        fprintf(stderr, "netprobe: bad PORT, COUNT or INTERVAL_US\n");
        return 2;
    }
    FILE *raw = argc > 7 ? fopen(argv[7], "w") : NULL;
    int on = 1;

    enter(argv[2]);
    int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (r < 0 || setsockopt(r, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ||
        bind(r, (struct sockaddr *)&any, sizeof any) < 0)
        die("receiver socket");

    enter(argv[1]);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY;
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1) {
        fprintf(stderr, "netprobe: bad address %s\n", argv[3]);
        return 2;
    }
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) < 0) die("sender socket");

    int64_t *d = malloc((size_t)count * sizeof *d);
    int n = 0, lost = 0;
    unsigned seed = 12345;
    for (uint32_t seq = 1; seq <= (uint32_t)count; seq++) {
        if (sendto(s, &seq, sizeof seq, 0, (struct sockaddr *)&dst, sizeof dst) < 0) die("sendto");
        int64_t tx = tx_stamp(s);
        int64_t rx = rx_stamp(r, seq, 1000);
        if (tx == 0 || rx == 0) {
            lost++;
        } else {
            d[n++] = rx - tx;
            if (raw) fprintf(raw, "%u %lld %lld\n", seq, (long long)tx, (long long)rx);
        }
        double u = 0.5 + (double)rand_r(&seed) / RAND_MAX;
        struct timespec sl = {0, (long)(interval_us * u * 1e3)};
        while (sl.tv_nsec >= NS) {
            sl.tv_sec++;
            sl.tv_nsec -= NS;
        }
        nanosleep(&sl, NULL);
    }
    if (raw) fclose(raw);
    qsort(d, (size_t)n, sizeof *d, cmp_i64);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += (double)d[i];
#define P(q) (n ? (double)d[(int)((q) * (n - 1) + 0.5)] / 1e3 : NAN)
    printf("sent %d received %d lost %d p1 %.1f p50 %.1f p99 %.1f max %.1f mean %.1f (us)\n", count, n, lost, P(0.01),
           P(0.5), P(0.99), n ? (double)d[n - 1] / 1e3 : NAN, n ? sum / n / 1e3 : NAN);
    return 0;
}
