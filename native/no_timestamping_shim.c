/*
 * libc test double for org.jntpd.platform.Libc (selected with -Djntpd.native.shim=PATH): setsockopt refuses
 * SO_TIMESTAMPING with ENOPROTOOPT, as an old or restricted kernel would; everything else goes on to libc.
 *
 * Build: gcc -shared -fPIC -o libno_timestamping_shim.so no_timestamping_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>

int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
    static int (*next)(int, int, int, const void *, socklen_t);
    if (level == SOL_SOCKET && name == SO_TIMESTAMPING) {
        errno = ENOPROTOOPT;
        return -1;
    }
    if (!next) {
        next = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
    }
    return next(fd, level, name, value, len);
}
