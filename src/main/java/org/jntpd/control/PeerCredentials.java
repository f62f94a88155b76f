package org.jntpd.control;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may change the daemon through the control socket (chronyc's rule for its Unix socket, made explicit): root, the
 * socket's owner (the daemon's user), and the socket's group: the client's primary group (SO_PEERCRED), or a
 * supplementary one as {@code /etc/group} lists its members. The socket's mode (0660) already keeps others out; this
 * check holds when someone opens the socket wider for read-only monitoring. Read at each request: a {@code chgrp} of
 * the socket takes effect at once.
 */
final class PeerCredentials {
    private static final Path GROUP_FILE = Path.of("/etc/group");

    private PeerCredentials() {}

    /** Null when the client on {@code ch} may change the daemon, else why not (for the reply and the log). */
    static String refusal(SocketChannel ch, Path socket) {
        UnixDomainPrincipal peer;
        PosixFileAttributes attrs;
        UserPrincipal root;
        try {
            peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            attrs = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            root = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("0");
        } catch (IOException | UnsupportedOperationException e) {
            return "the client's credentials cannot be checked (" + e.getMessage() + ")";
        }
        return refusal(peer.user(), peer.group(), attrs.owner(), attrs.group(), root, GROUP_FILE);
    }

    /**
     * The rule, over principals (which compare by uid/gid): null = allowed.
     *
     * @param groupFile {@code /etc/group}, for supplementary members of {@code socketGroup}
     */
    static String refusal(UserPrincipal user, GroupPrincipal group, UserPrincipal socketOwner, GroupPrincipal socketGroup,
            UserPrincipal root, Path groupFile) {
        if (user.equals(root) || user.equals(socketOwner) || group.equals(socketGroup)
                || listedMember(user.getName(), socketGroup.getName(), groupFile)) {
            return null;
        }
        return "permission denied: only root, " + socketOwner.getName() + " and the members of group "
                + socketGroup.getName() + " (the control socket's owner and group) may change the daemon; user "
                + user.getName() + " may only query it";
    }

    /** Whether {@code groupFile} lists {@code user} as a member of {@code group} (its fourth, comma-separated field). */
    static boolean listedMember(String user, String group, Path groupFile) {
        try {
            for (String line : Files.readAllLines(groupFile, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[0].equals(group) && Arrays.asList(f[3].split(",")).contains(user)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false; // no group file: only the primary group counts
        }
        return false;
    }
}
