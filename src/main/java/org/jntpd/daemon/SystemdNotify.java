package org.jntpd.daemon;

import org.jntpd.base.Log;
import org.jntpd.platform.UnixDatagram;

/** sd_notify(3): state changes for systemd on $NOTIFY_SOCKET (READY=1, STATUS=..., STOPPING=1); nothing without it. */
final class SystemdNotify {
    private SystemdNotify() {}

    static void send(String message) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return;
        }
        try {
            UnixDatagram.send(socket, message);
        } catch (RuntimeException e) {
            Log.debug("sd_notify to " + socket + " failed: " + e.getMessage());
        }
    }
}
