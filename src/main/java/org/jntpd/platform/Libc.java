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
 * The libc functions jntpd calls, one {@code static final MethodHandle} each, linked once on first use.
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

    // The packet paths' functions, linked with this class as before: every client and server uses them, and the
    // server's workers call nothing else per packet.
    private static final MethodHandle RECVMMSG = link("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SENDMMSG = link("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_WAIT = link("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOCK_GETTIME_CRITICAL = linkCritical("clock_gettime", INT_INT_ADDR);

    // Every other function: one holder class each, so a handle is linked when its function is first called and a
    // daemon links only what its configuration uses (a client 10 of these 52 at start, a server 10). Linking is
    // what costs: each new call shape spins a specialised class and ~14 method-handle forms that stay loaded (linking
    // all at once loaded ~250 classes more, ~1 MB: bench/README.md, "Footprint"). Once initialised, H is a constant
    // to the JIT like any static final.
    private static final class Socket {
        static final MethodHandle H = link("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Bind { static final MethodHandle H = link("bind", INT_FD_ADDR_LEN); }
    private static final class Connect { static final MethodHandle H = link("connect", INT_FD_ADDR_LEN); }
    private static final class Getsockname { static final MethodHandle H = link("getsockname", INT_FD_ADDR_ADDR); }
    private static final class Close { static final MethodHandle H = link("close", INT_INT); }
    private static final class Setsockopt {
        static final MethodHandle H = link("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Getsockopt {
        static final MethodHandle H = link("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    private static final class Recvmsg { static final MethodHandle H = link("recvmsg", LONG_FD_ADDR_INT); }
    private static final class Sendmsg { static final MethodHandle H = link("sendmsg", LONG_FD_ADDR_INT); }
    private static final class Poll {
        static final MethodHandle H = link("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class EpollCreate1 { static final MethodHandle H = link("epoll_create1", INT_INT); }
    private static final class EpollCtl {
        static final MethodHandle H = link("epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class ClockGettime { static final MethodHandle H = link("clock_gettime", INT_INT_ADDR); }
    private static final class ClockGetres { static final MethodHandle H = link("clock_getres", INT_INT_ADDR); }
    private static final class ClockAdjtime { static final MethodHandle H = link("clock_adjtime", INT_INT_ADDR); }
    /** int open(const char *path, int flags, ...): the mode is variadic. */
    private static final class Open {
        static final MethodHandle H = link("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class Read { static final MethodHandle H = link("read", LONG_FD_ADDR_LONG); }
    private static final class Write { static final MethodHandle H = link("write", LONG_FD_ADDR_LONG); }
    /** int ioctl(int fd, unsigned long request, ...): a pointer argument. */
    private static final class IoctlPtr {
        static final MethodHandle H = link("ioctl",
                INT_INT_LONG_ADDR, Linker.Option.firstVariadicArg(2));
    }
    /** The same with an integer argument (RTC_IRQP_SET, PPS_KC_BIND's callers pass values, not pointers). */
    private static final class IoctlLong {
        static final MethodHandle H = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    }
    private static final class SchedSetaffinity {
        static final MethodHandle H = link("sched_setaffinity",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    }
    private static final class SchedGetaffinity {
        static final MethodHandle H = link("sched_getaffinity",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    }
    private static final class Mlockall { static final MethodHandle H = link("mlockall", INT_INT); }
    private static final class Munlockall { static final MethodHandle H = link("munlockall", INT_VOID); }
    private static final class Sigaction {
        static final MethodHandle H = link("sigaction",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    private static final class Signal {
        static final MethodHandle H = link("signal",
                FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    }
    private static final class Gettid { static final MethodHandle H = linkCritical("gettid", INT_VOID); }
    private static final class Getpid { static final MethodHandle H = linkCritical("getpid", INT_VOID); }
    private static final class Getuid { static final MethodHandle H = linkCritical("getuid", INT_VOID); }
    private static final class Getgid { static final MethodHandle H = linkCritical("getgid", INT_VOID); }
    private static final class Setuid { static final MethodHandle H = link("setuid", INT_INT); }
    private static final class Setgid { static final MethodHandle H = link("setgid", INT_INT); }
    private static final class Setgroups {
        static final MethodHandle H = link("setgroups",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    }
    /** int prctl(int option, ...): glibc declares it variadic; every caller passes four unsigned longs. */
    private static final class Prctl {
        static final MethodHandle H = link("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }
    private static final class Capget { static final MethodHandle H = link("capget", INT_ADDR_ADDR); }
    private static final class Capset { static final MethodHandle H = link("capset", INT_ADDR_ADDR); }
    private static final class Strerror {
        static final MethodHandle H = link("strerror",
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }
    private static final class Unlink {
        static final MethodHandle H = link("unlink",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }
    /** int fcntl(int fd, int cmd, ...): the commands used here take an int. */
    private static final class Fcntl {
        static final MethodHandle H = link("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    /** int clock_nanosleep(clockid_t, int flags, const struct timespec *request, struct timespec *remain). */
    private static final class ClockNanosleep {
        static final MethodHandle H = link("clock_nanosleep",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    /** int shmget(key_t key, size_t size, int shmflg). */
    private static final class Shmget {
        static final MethodHandle H = link("shmget",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    }
    /** void *shmat(int shmid, const void *shmaddr, int shmflg): (void *) -1 on failure. */
    private static final class Shmat {
        static final MethodHandle H = link("shmat",
                FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Shmdt {
        static final MethodHandle H = link("shmdt",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }
    private static final class Tcgetattr { static final MethodHandle H = link("tcgetattr", INT_INT_ADDR); }
    private static final class Tcsetattr {
        static final MethodHandle H = link("tcsetattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    /** int cfsetispeed(struct termios *, speed_t); the same shape for cfsetospeed. */
    private static final class Cfsetispeed {
        static final MethodHandle H = link("cfsetispeed",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Cfsetospeed {
        static final MethodHandle H = link("cfsetospeed",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
    /** void cfmakeraw(struct termios *): cannot fail. */
    private static final class Cfmakeraw {
        static final MethodHandle H = link("cfmakeraw",
                FunctionDescriptor.ofVoid(ADDRESS));
    }
    private static final class PosixOpenpt { static final MethodHandle H = link("posix_openpt", INT_INT); }
    private static final class Grantpt { static final MethodHandle H = link("grantpt", INT_INT); }
    private static final class Unlockpt { static final MethodHandle H = link("unlockpt", INT_INT); }
    /** int ptsname_r(int fd, char *buf, size_t buflen): 0, or an error number. */
    private static final class PtsnameR {
        static final MethodHandle H = link("ptsname_r",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    }

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
            MemorySegment text = (MemorySegment) Strerror.H.invokeExact(callState(), errno);
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
            return (int) Socket.H.invokeExact(callState(), domain, type, protocol);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) Bind.H.invokeExact(callState(), fd, addr, addrLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int connect(int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) Connect.H.invokeExact(callState(), fd, addr, addrLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code addrLen} points to a socklen_t (int) holding the size of {@code addr}, updated to the address size. */
    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrLen) {
        try {
            return (int) Getsockname.H.invokeExact(callState(), fd, addr, addrLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) Close.H.invokeExact(callState(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int valueLen) {
        try {
            return (int) Setsockopt.H.invokeExact(callState(), fd, level, name, value, valueLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code valueLen} points to a socklen_t (int): the size of {@code value} in, the option's size out. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment valueLen) {
        try {
            return (int) Getsockopt.H.invokeExact(callState(), fd, level, name, value, valueLen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Bytes received, or -1. The kernel rewrites msg_namelen, msg_controllen and msg_flags: reset them per call. */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) Recvmsg.H.invokeExact(callState(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) Sendmsg.H.invokeExact(callState(), fd, msghdr, flags);
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
            return (int) Poll.H.invokeExact(callState(), pollfds, count, timeoutMs);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int epollCreate1(int flags) {
        try {
            return (int) EpollCreate1.H.invokeExact(callState(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EpollCtl.H.invokeExact(callState(), epfd, op, fd, event);
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
            return (int) ClockGettime.H.invokeExact(callState(), clockId, timespec);
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
            return (int) ClockGetres.H.invokeExact(callState(), clockId, timespec);
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
            return (int) ClockAdjtime.H.invokeExact(callState(), clockId, timex);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- files, ioctl

    /** {@code path} is a NUL-terminated C string; {@code mode} matters only with O_CREAT. */
    public static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) Open.H.invokeExact(callState(), path, flags, mode);
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
            return (long) Read.H.invokeExact(callState(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) Write.H.invokeExact(callState(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl with a pointer argument; {@code request} as in the headers (an int here, widened without sign). */
    public static int ioctl(int fd, int request, MemorySegment arg) {
        try {
            return (int) IoctlPtr.H.invokeExact(callState(), fd, Integer.toUnsignedLong(request), arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl with an integer argument (or none: pass 0). */
    public static int ioctl(int fd, int request, long arg) {
        try {
            return (int) IoctlLong.H.invokeExact(callState(), fd, Integer.toUnsignedLong(request), arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fcntl with an int argument ({@link Sys#F_GETFL}: pass 0; {@link Sys#F_SETFL}: the new flags). */
    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) Fcntl.H.invokeExact(callState(), fd, cmd, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Removes a file name ({@code path} a NUL-terminated C string). */
    public static int unlink(MemorySegment path) {
        try {
            return (int) Unlink.H.invokeExact(callState(), path);
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
            return (int) Tcgetattr.H.invokeExact(callState(), fd, termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code optionalActions}: {@link Serial#TCSANOW} etc. */
    public static int tcsetattr(int fd, int optionalActions, MemorySegment termios) {
        try {
            return (int) Tcsetattr.H.invokeExact(callState(), fd, optionalActions, termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code speed} a {@code B...} constant of {@link Serial}, not bit/s. */
    public static int cfsetispeed(MemorySegment termios, int speed) {
        try {
            return (int) Cfsetispeed.H.invokeExact(callState(), termios, speed);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code speed} a {@code B...} constant of {@link Serial}, not bit/s. */
    public static int cfsetospeed(MemorySegment termios, int speed) {
        try {
            return (int) Cfsetospeed.H.invokeExact(callState(), termios, speed);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Raw mode: no line editing, echo, signals or character translation; 8 bits, no parity. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            Cfmakeraw.H.invokeExact(callState(), termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Opens a new pseudo-terminal master; the slave's path comes from {@link #ptsnameR}. */
    public static int posixOpenpt(int flags) {
        try {
            return (int) PosixOpenpt.H.invokeExact(callState(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int grantpt(int fd) {
        try {
            return (int) Grantpt.H.invokeExact(callState(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int unlockpt(int fd) {
        try {
            return (int) Unlockpt.H.invokeExact(callState(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The slave path of a pseudo-terminal master into {@code buf}: 0, or an error number (not -1). */
    public static int ptsnameR(int fd, MemorySegment buf, long bufLen) {
        try {
            return (int) PtsnameR.H.invokeExact(callState(), fd, buf, bufLen);
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
            return (int) ClockNanosleep.H.invokeExact(callState(), clockId, flags, request, remain);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- System V shm

    /** The id of the segment with {@code key} ({@link Ipc#IPC_CREAT}: made when missing), or -1. */
    public static int shmget(int key, long size, int flags) {
        try {
            return (int) Shmget.H.invokeExact(callState(), key, size, flags);
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
            return (MemorySegment) Shmat.H.invokeExact(callState(), shmId, addr, flags);
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
            return (int) Shmdt.H.invokeExact(callState(), addr);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- process

    /** {@code pid} 0 = the calling thread; {@code mask} is a cpu_set_t of {@code size} bytes ({@link CpuSet}). */
    public static int schedSetaffinity(int pid, long size, MemorySegment mask) {
        try {
            return (int) SchedSetaffinity.H.invokeExact(callState(), pid, size, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int schedGetaffinity(int pid, long size, MemorySegment mask) {
        try {
            return (int) SchedGetaffinity.H.invokeExact(callState(), pid, size, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int mlockall(int flags) {
        try {
            return (int) Mlockall.H.invokeExact(callState(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int munlockall() {
        try {
            return (int) Munlockall.H.invokeExact(callState());
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
            check((int) Sigaction.H.invokeExact(callState(), sig, MemorySegment.NULL, old), "sigaction");
            if (old.get(JAVA_LONG, 0) != 1L) { // SIG_IGN
                return false;
            }
            MemorySegment prev = (MemorySegment) Signal.H.invokeExact(callState(), sig, MemorySegment.NULL); // SIG_DFL
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
            return (int) Gettid.H.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getpid() {
        try {
            return (int) Getpid.H.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getuid() {
        try {
            return (int) Getuid.H.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getgid() {
        try {
            return (int) Getgid.H.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** glibc applies it to every thread of the process. */
    public static int setuid(int uid) {
        try {
            return (int) Setuid.H.invokeExact(callState(), uid);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** glibc applies it to every thread of the process. */
    public static int setgid(int gid) {
        try {
            return (int) Setgid.H.invokeExact(callState(), gid);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code gids} holds {@code count} gid_t (int) values; count 0 with NULL drops all supplementary groups. */
    public static int setgroups(long count, MemorySegment gids) {
        try {
            return (int) Setgroups.H.invokeExact(callState(), count, gids);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** prctl: per-thread for most options (PR_SET_KEEPCAPS, PR_CAPBSET_DROP). */
    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        try {
            return (int) Prctl.H.invokeExact(callState(), option, arg2, arg3, arg4, arg5);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code header} a {@link CapUserHeader}, {@code data} two {@link CapUserData} (version 3). */
    public static int capget(MemorySegment header, MemorySegment data) {
        try {
            return (int) Capget.H.invokeExact(callState(), header, data);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets the capabilities of the calling thread only. */
    public static int capset(MemorySegment header, MemorySegment data) {
        try {
            return (int) Capset.H.invokeExact(callState(), header, data);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
