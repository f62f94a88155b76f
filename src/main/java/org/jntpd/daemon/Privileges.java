package org.jntpd.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.base.Log;
import org.jntpd.platform.Capabilities;
import org.jntpd.platform.Libc;

/**
 * Least privilege: after the daemon has bound its sockets (port 123 needs root or CAP_NET_BIND_SERVICE) it becomes
 * an unprivileged user keeping only CAP_SYS_TIME (to steer the clock) and CAP_NET_BIND_SERVICE (to rebind). Linux
 * capabilities belong to threads: the calling thread keeps them and passes them to the threads it starts afterwards,
 * so the daemon drops privileges on its main thread before starting any of its own.
 */
public final class Privileges {
    /** CAP_NET_BIND_SERVICE and CAP_SYS_TIME, linux/capability.h. */
    static final int CAP_NET_BIND_SERVICE = 10;
    static final int CAP_SYS_TIME = 25;

    private Privileges() {}

    /** A user's uid and gid from /etc/passwd. */
    record Account(String name, int uid, int gid) {}

    static Account lookup(String user, Path passwd) throws IOException {
        for (String line : Files.readAllLines(passwd)) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(user)) {
                return new Account(user, Integer.parseInt(f[2]), Integer.parseInt(f[3]));
            }
        }
        throw new IOException("no user '" + user + "' in " + passwd);
    }

    /** Becomes {@code user} keeping CAP_SYS_TIME (when {@code keepClock}) and CAP_NET_BIND_SERVICE. */
    public static void dropTo(String user, boolean keepClock) throws IOException {
        if (Libc.getuid() != 0) {
            throw new IOException("-u " + user + " needs to start as root (running as uid " + Libc.getuid() + ")");
        }
        Account a = lookup(user, Path.of("/etc/passwd"));
        long keep = keepClock ? Capabilities.mask(CAP_SYS_TIME, CAP_NET_BIND_SERVICE) : Capabilities.mask(CAP_NET_BIND_SERVICE);
        Capabilities.dropPrivileges(a.uid(), a.gid(), keep);
        Log.info("running as " + a.name() + " (uid " + a.uid() + ", gid " + a.gid() + ") with "
                + (keepClock ? "CAP_SYS_TIME and " : "") + "CAP_NET_BIND_SERVICE only");
    }
}
