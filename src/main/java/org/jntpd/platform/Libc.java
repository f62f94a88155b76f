package org.jntpd.platform;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The libc functions jntpd calls, one {@code static final MethodHandle} each, linked once.
 *
 * <p>Wrappers return the raw C result ({@code -1} on failure for most) and never allocate. Functions that set errno
 * capture it into a per-thread segment: read {@link #errno()} right after a call returned -1, on the same thread
 * (after a successful call it is stale). {@link #check(int, String)} turns a failure into a {@link NativeException}
 * for setup code; packet paths use the raw values. An errno-capturing call is allocation-free only once C2 has
 * compiled it with the JDK's capture-segment check inlined: {@link JitDirectives} makes sure of that.
 *
 * <p>Symbols resolve through one lookup chosen when this class initialises: when the system property
 * {@value #SHIM_PROP_NAME} names a shared library, its symbols stand in for libc's (a test double), every other
 * symbol comes from libc ({@code defaultLookup()}, which ignores LD_PRELOAD).
 */
@SuppressWarnings("restricted")
public final class Libc {
    /** System property: path of a shared library whose symbols override libc's (tests only). */
    public static final String SHIM_PROP_NAME = "jntpd.native.shim";
    /** The JVM flag that grants the native access this class needs (from the class path). */
    public static final String NATIVE_ACCESS_FLAG = "--enable-native-access=ALL-UNNAMED";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP;
    /** Path of the shim library in use, or null. */
    private static final String SHIM_PATH;

    static {
        String shim = System.getProperty(SHIM_PROP_NAME);
        try {
            SymbolLookup libc = LINKER.defaultLookup();
            if (shim == null || shim.isBlank()) {
                LOOKUP = libc;
                SHIM_PATH = null;
            } else {
                Path path = Path.of(shim).toAbsolutePath();
                if (!Files.isRegularFile(path)) {
                    throw new IllegalStateException(SHIM_PROP_NAME + " names " + path
                            + ": expected a shared library file");
                }
                LOOKUP = SymbolLookup.libraryLookup(path, Arena.global()).or(libc);
                SHIM_PATH = path.toString();
            }
        } catch (IllegalCallerException e) {
            throw nativeAccessRefused(e);
        }
    }

    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE_LAYOUT.byteOffset(groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** No Java-heap segments, no upcalls, a short call: the JVM skips the thread state transition. */
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static final FunctionDescriptor INT_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor INT_VOID = FunctionDescriptor.of(JAVA_INT);
    private static final FunctionDescriptor INT_INT_ADDR = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
    private static final FunctionDescriptor INT_ADDR_ADDR = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor INT_FD_ADDR_LEN =
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor INT_FD_ADDR_ADDR =
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor LONG_FD_ADDR_INT =
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor LONG_FD_ADDR_LONG =
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final FunctionDescriptor INT_INT_LONG_ADDR =
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);

    private static final MethodHandle SOCKET = link("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = link("bind", INT_FD_ADDR_LEN);
    private static final MethodHandle CONNECT = link("connect", INT_FD_ADDR_LEN);
    private static final MethodHandle GETSOCKNAME = link("getsockname", INT_FD_ADDR_ADDR);
    private static final MethodHandle CLOSE = link("close", INT_INT);
    private static final MethodHandle SETSOCKOPT = link("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = link("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVMSG = link("recvmsg", LONG_FD_ADDR_INT);
    private static final MethodHandle SENDMSG = link("sendmsg", LONG_FD_ADDR_INT);
    private static final MethodHandle RECVMMSG = link("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SENDMMSG = link("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = link("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = link("epoll_create1", INT_INT);
    private static final MethodHandle EPOLL_CTL = link("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = link("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOCK_GETTIME_CRITICAL = linkCritical("clock_gettime", INT_INT_ADDR);
    private static final MethodHandle CLOCK_GETTIME = link("clock_gettime", INT_INT_ADDR);
    private static final MethodHandle CLOCK_GETRES = link("clock_getres", INT_INT_ADDR);
    private static final MethodHandle CLOCK_ADJTIME = link("clock_adjtime", INT_INT_ADDR);
    /** int open(const char *path, int flags, ...): the mode is variadic. */
    private static final MethodHandle OPEN = link("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = link("read", LONG_FD_ADDR_LONG);
    private static final MethodHandle WRITE = link("write", LONG_FD_ADDR_LONG);
    /** int ioctl(int fd, unsigned long request, ...): a pointer argument. */
    private static final MethodHandle IOCTL_PTR = link("ioctl", INT_INT_LONG_ADDR, Linker.Option.firstVariadicArg(2));
    /** The same with an integer argument (RTC_IRQP_SET, PPS_KC_BIND's callers pass values, not pointers). */
    private static final MethodHandle IOCTL_LONG = link("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SCHED_SETAFFINITY = link("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCHED_GETAFFINITY = link("sched_getaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle MLOCKALL = link("mlockall", INT_INT);
    private static final MethodHandle MUNLOCKALL = link("munlockall", INT_VOID);
    private static final MethodHandle SIGACTION = link("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGNAL = link("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle GETTID = linkCritical("gettid", INT_VOID);
    private static final MethodHandle GETPID = linkCritical("getpid", INT_VOID);
    private static final MethodHandle GETUID = linkCritical("getuid", INT_VOID);
    private static final MethodHandle GETGID = linkCritical("getgid", INT_VOID);
    private static final MethodHandle SETUID = link("setuid", INT_INT);
    private static final MethodHandle SETGID = link("setgid", INT_INT);
    private static final MethodHandle SETGROUPS = link("setgroups",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    /** int prctl(int option, ...): glibc declares it variadic; every caller passes four unsigned longs. */
    private static final MethodHandle PRCTL = link("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CAPGET = link("capget", INT_ADDR_ADDR);
    private static final MethodHandle CAPSET = link("capset", INT_ADDR_ADDR);
    private static final MethodHandle STRERROR = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINK = link("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** int fcntl(int fd, int cmd, ...): the commands used here take an int. */
    private static final MethodHandle FCNTL = link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    /** int clock_nanosleep(clockid_t, int flags, const struct timespec *request, struct timespec *remain). */
    private static final MethodHandle CLOCK_NANOSLEEP = link("clock_nanosleep",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** int shmget(key_t key, size_t size, int shmflg). */
    private static final MethodHandle SHMGET = link("shmget", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    /** void *shmat(int shmid, const void *shmaddr, int shmflg): (void *) -1 on failure. */
    private static final MethodHandle SHMAT = link("shmat", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHMDT = link("shmdt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle TCGETATTR = link("tcgetattr", INT_INT_ADDR);
    private static final MethodHandle TCSETATTR = link("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    /** int cfsetispeed(struct termios *, speed_t); the same shape for cfsetospeed. */
    private static final MethodHandle CFSETISPEED = link("cfsetispeed", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CFSETOSPEED = link("cfsetospeed", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    /** void cfmakeraw(struct termios *): cannot fail. */
    private static final MethodHandle CFMAKERAW = link("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle POSIX_OPENPT = link("posix_openpt", INT_INT);
    private static final MethodHandle GRANTPT = link("grantpt", INT_INT);
    private static final MethodHandle UNLOCKPT = link("unlockpt", INT_INT);
    /** int ptsname_r(int fd, char *buf, size_t buflen): 0, or an error number. */
    private static final MethodHandle PTSNAME_R = link("ptsname_r",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));

    /** Per-thread native scratch: the errno capture and a timespec for {@link #clockGettimeNs(int)}. */
    private static final ThreadLocal<ThreadState> THREAD_STATE = ThreadLocal.withInitial(ThreadState::new);

    private static final class ThreadState {
        final MemorySegment callState;
        final MemorySegment timespec;

        ThreadState() {
            // Freed by the GC when the thread (and so this holder) is gone.
            MemorySegment block = Arena.ofAuto().allocate(32, 8);
            callState = block.asSlice(0, CALL_STATE_LAYOUT.byteSize());
            timespec = block.asSlice(16, Timespec.sizeof());
        }
    }

    private Libc() {
    }

    // ---------------------------------------------------------------------------------------------- linking

    private static MemorySegment find(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name
                + (SHIM_PATH == null ? "" : " (lookup: " + SHIM_PATH + " then libc)")));
    }

    /** Links a function that reports failure through errno: the handle takes the capture segment first. */
    static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        try {
            return LINKER.downcallHandle(find(name), fd, options);
        } catch (IllegalCallerException e) {
            throw nativeAccessRefused(e);
        }
    }

    private static MethodHandle linkCritical(String name, FunctionDescriptor fd) {
        try {
            return LINKER.downcallHandle(find(name), fd, CRITICAL);
        } catch (IllegalCallerException e) {
            throw nativeAccessRefused(e);
        }
    }

    private static IllegalStateException nativeAccessRefused(IllegalCallerException e) {
        return new IllegalStateException("jntpd needs native access to call libc: start java with " + NATIVE_ACCESS_FLAG
                + " (bin/jntpd and the jar's Enable-Native-Access manifest entry do this)", e);
    }

    static MemorySegment callState() {
        return THREAD_STATE.get().callState;
    }

    static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---------------------------------------------------------------------------------------------- errno

    /** The errno left by the last capturing call on this thread; meaningful only right after it returned -1. */
    public static int errno() {
        return THREAD_STATE.get().callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** {@code rc} when it is not negative, else a {@link NativeException} naming {@code function} and errno. */
    public static int check(int rc, String function) {
        if (rc < 0) {
            throw new NativeException(function, errno());
        }
        return rc;
    }

    /** As {@link #check(int, String)}, the exception also saying what the call was about ({@code detail}). */
    public static int check(int rc, String function, String detail) {
        if (rc < 0) {
            throw new NativeException(function, detail, errno());
        }
        return rc;
    }

    /** {@code rc} when it is not negative, else a {@link NativeException} naming {@code function} and errno. */
    public static long check(long rc, String function) {
        if (rc < 0) {
            throw new NativeException(function, errno());
        }
        return rc;
    }

    /** The C library's text for an errno value ("Address already in use"); allocates: error paths only. */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(callState(), errno);
            return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The path of the libc test double in use ({@value #SHIM_PROP_NAME}), or null. */
    public static String shimPath() {
        return SHIM_PATH;
    }

    /** Whether the symbol lookup (the shim, then libc) finds {@code symbol}: tells which test double is loaded. */
    public static boolean defines(String symbol) {
        return LOOKUP.find(symbol).isPresent();
    }

    // ---------------------------------------------------------------------------------------------- sockets

    public static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(callState(), domain, type, protocol);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) BIND.invokeExact(callState(), fd, addr, addrLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int connect(int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) CONNECT.invokeExact(callState(), fd, addr, addrLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code addrLen} points to a socklen_t (int) holding the size of {@code addr}, updated to the address size. */
    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrLen) {
        try {
            return (int) GETSOCKNAME.invokeExact(callState(), fd, addr, addrLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(callState(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int valueLen) {
        try {
            return (int) SETSOCKOPT.invokeExact(callState(), fd, level, name, value, valueLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code valueLen} points to a socklen_t (int): the size of {@code value} in, the option's size out. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment valueLen) {
        try {
            return (int) GETSOCKOPT.invokeExact(callState(), fd, level, name, value, valueLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Bytes received, or -1. The kernel rewrites msg_namelen, msg_controllen and msg_flags: reset them per call. */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(callState(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) SENDMSG.invokeExact(callState(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Messages received into {@code mmsghdrs[0..count)}, or -1; {@code timeout} may be {@link MemorySegment#NULL}. */
    public static int recvmmsg(int fd, MemorySegment mmsghdrs, int count, int flags, MemorySegment timeout) {
        try {
            return (int) RECVMMSG.invokeExact(callState(), fd, mmsghdrs, count, flags, timeout);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Messages sent from {@code mmsghdrs[0..count)} (fewer when one failed), or -1 when the first failed. */
    public static int sendmmsg(int fd, MemorySegment mmsghdrs, int count, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(callState(), fd, mmsghdrs, count, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int poll(MemorySegment pollfds, long count, int timeoutMs) {
        try {
            return (int) POLL.invokeExact(callState(), pollfds, count, timeoutMs);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int epollCreate1(int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(callState(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(callState(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMs) {
        try {
            return (int) EPOLL_WAIT.invokeExact(callState(), epfd, events, maxEvents, timeoutMs);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- clocks

    /**
     * clock_gettime linked as a critical function without errno capture: the fastest clock read. It fails only
     * for a bad clock id (EINVAL); {@link #clockGettimeNs(int)} and {@link #clockGettimeCapturing} report errno.
     */
    public static int clockGettime(int clockId, MemorySegment timespec) {
        try {
            return (int) CLOCK_GETTIME_CRITICAL.invokeExact(clockId, timespec);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** clock_gettime linked the ordinary way, with errno capture (the baseline the benchmarks compare with). */
    public static int clockGettimeCapturing(int clockId, MemorySegment timespec) {
        try {
            return (int) CLOCK_GETTIME.invokeExact(callState(), clockId, timespec);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * The time of {@code clockId} in nanoseconds (since the Unix epoch for CLOCK_REALTIME), read into a per-thread
     * timespec; {@link Long#MIN_VALUE} when the clock id is refused (errno then set, as after -1).
     */
    public static long clockGettimeNs(int clockId) {
        MemorySegment ts = THREAD_STATE.get().timespec;
        if (clockGettime(clockId, ts) != 0) {
            clockGettimeCapturing(clockId, ts); // fails the same way, and this time leaves errno
            return Long.MIN_VALUE;
        }
        return Timespec.toNanos(ts);
    }

    public static int clockGetres(int clockId, MemorySegment timespec) {
        try {
            return (int) CLOCK_GETRES.invokeExact(callState(), clockId, timespec);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * The clock state (TIME_OK..TIME_ERROR) or -1. With {@code modes == 0} in the timex it only reads; any other
     * mode changes the clock: that is the daemon's job alone (tests pass modes 0 or a libc test double).
     */
    public static int clockAdjtime(int clockId, MemorySegment timex) {
        try {
            return (int) CLOCK_ADJTIME.invokeExact(callState(), clockId, timex);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- files, ioctl

    /** {@code path} is a NUL-terminated C string; {@code mode} matters only with O_CREAT. */
    public static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(callState(), path, flags, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Opens {@code path} (setup code: allocates the C string). */
    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return open(arena.allocateFrom(path), flags, 0);
        }
    }

    public static long read(int fd, MemorySegment buffer, long count) {
        try {
            return (long) READ.invokeExact(callState(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE.invokeExact(callState(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl with a pointer argument; {@code request} as in the headers (an int here, widened without sign). */
    public static int ioctl(int fd, int request, MemorySegment arg) {
        try {
            return (int) IOCTL_PTR.invokeExact(callState(), fd, Integer.toUnsignedLong(request), arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl with an integer argument (or none: pass 0). */
    public static int ioctl(int fd, int request, long arg) {
        try {
            return (int) IOCTL_LONG.invokeExact(callState(), fd, Integer.toUnsignedLong(request), arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fcntl with an int argument ({@link Sys#F_GETFL}: pass 0; {@link Sys#F_SETFL}: the new flags). */
    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(callState(), fd, cmd, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Removes a file name ({@code path} a NUL-terminated C string). */
    public static int unlink(MemorySegment path) {
        try {
            return (int) UNLINK.invokeExact(callState(), path);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Removes a file name (setup code: allocates the C string). */
    public static int unlink(String path) {
        try (Arena arena = Arena.ofConfined()) {
            return unlink(arena.allocateFrom(path));
        }
    }

    // ---------------------------------------------------------------------------------------------- terminals

    /** Reads the terminal settings of {@code fd} into a {@link Termios}. */
    public static int tcgetattr(int fd, MemorySegment termios) {
        try {
            return (int) TCGETATTR.invokeExact(callState(), fd, termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code optionalActions}: {@link Serial#TCSANOW} etc. */
    public static int tcsetattr(int fd, int optionalActions, MemorySegment termios) {
        try {
            return (int) TCSETATTR.invokeExact(callState(), fd, optionalActions, termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code speed} a {@code B...} constant of {@link Serial}, not bit/s. */
    public static int cfsetispeed(MemorySegment termios, int speed) {
        try {
            return (int) CFSETISPEED.invokeExact(callState(), termios, speed);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code speed} a {@code B...} constant of {@link Serial}, not bit/s. */
    public static int cfsetospeed(MemorySegment termios, int speed) {
        try {
            return (int) CFSETOSPEED.invokeExact(callState(), termios, speed);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Raw mode: no line editing, echo, signals or character translation; 8 bits, no parity. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            CFMAKERAW.invokeExact(callState(), termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Opens a new pseudo-terminal master; the slave's path comes from {@link #ptsnameR}. */
    public static int posixOpenpt(int flags) {
        try {
            return (int) POSIX_OPENPT.invokeExact(callState(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int grantpt(int fd) {
        try {
            return (int) GRANTPT.invokeExact(callState(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int unlockpt(int fd) {
        try {
            return (int) UNLOCKPT.invokeExact(callState(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The slave path of a pseudo-terminal master into {@code buf}: 0, or an error number (not -1). */
    public static int ptsnameR(int fd, MemorySegment buf, long bufLen) {
        try {
            return (int) PTSNAME_R.invokeExact(callState(), fd, buf, bufLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- sleeping

    /**
     * Sleeps on {@code clockId} for the {@link Timespec} {@code request}, an absolute time with
     * {@link Clocks#TIMER_ABSTIME}. Returns 0, or an error number (not -1): {@link Errno#EINTR} when a signal cut
     * the sleep short ({@code remain}, which may be {@link MemorySegment#NULL}, then holds the rest of a relative
     * sleep).
     */
    public static int clockNanosleep(int clockId, int flags, MemorySegment request, MemorySegment remain) {
        try {
            return (int) CLOCK_NANOSLEEP.invokeExact(callState(), clockId, flags, request, remain);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- System V shm

    /** The id of the segment with {@code key} ({@link Ipc#IPC_CREAT}: made when missing), or -1. */
    public static int shmget(int key, long size, int flags) {
        try {
            return (int) SHMGET.invokeExact(callState(), key, size, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Maps segment {@code shmId} into the process; {@code addr} {@link MemorySegment#NULL} lets the kernel choose.
     * Returns a zero-length segment at the mapping ({@code reinterpret} it to the segment's size), or one at address
     * -1 on failure ({@link #isShmatFailure}).
     */
    public static MemorySegment shmat(int shmId, MemorySegment addr, int flags) {
        try {
            return (MemorySegment) SHMAT.invokeExact(callState(), shmId, addr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Whether {@link #shmat} failed: it returns {@code (void *) -1}. */
    public static boolean isShmatFailure(MemorySegment mapped) {
        return mapped.address() == -1L;
    }

    /**
     * Maps segment {@code shmId} at a kernel-chosen address as a segment of {@code size} bytes (the size it was made
     * with); null on failure, errno set. The segment must not be touched after {@link #shmdt}.
     */
    public static MemorySegment shmat(int shmId, long size, int flags) {
        MemorySegment at = shmat(shmId, MemorySegment.NULL, flags);
        return isShmatFailure(at) ? null : at.reinterpret(size);
    }

    /** Unmaps a segment {@link #shmat} mapped (its start address). */
    public static int shmdt(MemorySegment addr) {
        try {
            return (int) SHMDT.invokeExact(callState(), addr);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- process

    /** {@code pid} 0 = the calling thread; {@code mask} is a cpu_set_t of {@code size} bytes ({@link CpuSet}). */
    public static int schedSetaffinity(int pid, long size, MemorySegment mask) {
        try {
            return (int) SCHED_SETAFFINITY.invokeExact(callState(), pid, size, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int schedGetaffinity(int pid, long size, MemorySegment mask) {
        try {
            return (int) SCHED_GETAFFINITY.invokeExact(callState(), pid, size, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int mlockall(int flags) {
        try {
            return (int) MLOCKALL.invokeExact(callState(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int munlockall() {
        try {
            return (int) MUNLOCKALL.invokeExact(callState());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * When signal {@code sig} is ignored (SIG_IGN, inherited from e.g. {@code nohup}), sets it back to SIG_DFL and
     * returns true; otherwise changes nothing. The JVM installs no handler for a signal ignored at its start, and
     * {@code sun.misc.Signal.handle} then silently leaves it ignored. Setup code only (allocates).
     */
    public static boolean unignoreSignal(int sig) {
        try (Arena a = Arena.ofConfined()) {
            // struct sigaction begins with the handler (a union with sa_sigaction) on Linux; 256 bytes cover it whole.
            MemorySegment old = a.allocate(256, 8);
            check((int) SIGACTION.invokeExact(callState(), sig, MemorySegment.NULL, old), "sigaction");
            if (old.get(JAVA_LONG, 0) != 1L) { // SIG_IGN
                return false;
            }
            MemorySegment prev = (MemorySegment) SIGNAL.invokeExact(callState(), sig, MemorySegment.NULL); // SIG_DFL
            if (prev.address() == -1L) { // SIG_ERR
                throw new NativeException("signal", "signal " + sig, errno());
            }
            return true;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The kernel thread id of the calling thread (cannot fail). */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getuid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getgid() {
        try {
            return (int) GETGID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** glibc applies it to every thread of the process. */
    public static int setuid(int uid) {
        try {
            return (int) SETUID.invokeExact(callState(), uid);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** glibc applies it to every thread of the process. */
    public static int setgid(int gid) {
        try {
            return (int) SETGID.invokeExact(callState(), gid);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code gids} holds {@code count} gid_t (int) values; count 0 with NULL drops all supplementary groups. */
    public static int setgroups(long count, MemorySegment gids) {
        try {
            return (int) SETGROUPS.invokeExact(callState(), count, gids);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** prctl: per-thread for most options (PR_SET_KEEPCAPS, PR_CAPBSET_DROP). */
    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        try {
            return (int) PRCTL.invokeExact(callState(), option, arg2, arg3, arg4, arg5);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code header} a {@link CapUserHeader}, {@code data} two {@link CapUserData} (version 3). */
    public static int capget(MemorySegment header, MemorySegment data) {
        try {
            return (int) CAPGET.invokeExact(callState(), header, data);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets the capabilities of the calling thread only. */
    public static int capset(MemorySegment header, MemorySegment data) {
        try {
            return (int) CAPSET.invokeExact(callState(), header, data);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
