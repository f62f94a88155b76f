package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may change the daemon: root, the socket's owner, its group by primary gid or by /etc/group membership; the
 * principals are real ones (looked up by number, so the test needs no particular user names on the machine).
 */
class PeerCredentialsTest {
    private static final UserPrincipalLookupService LOOKUP = FileSystems.getDefault().getUserPrincipalLookupService();

    private static UserPrincipal user(int uid) throws IOException {
        return LOOKUP.lookupPrincipalByName(Integer.toString(uid));
    }

    private static GroupPrincipal group(int gid) throws IOException {
        return LOOKUP.lookupPrincipalByGroupName(Integer.toString(gid));
    }

    @Test
    void shouldLetRootTheOwnerAndTheGroupModifyAndNobodyElse(@TempDir Path dir) throws IOException {
        Path groups = dir.resolve("group");
        Files.writeString(groups, "");
        UserPrincipal root = user(0);
        UserPrincipal daemon = user(4242);
        GroupPrincipal daemonGroup = group(4242);
        assertNull(PeerCredentials.refusal(root, group(0), daemon, daemonGroup, root, groups));
        assertNull(PeerCredentials.refusal(daemon, group(100), daemon, daemonGroup, root, groups));
        assertNull(PeerCredentials.refusal(user(1000), daemonGroup, daemon, daemonGroup, root, groups));
        String refusal = PeerCredentials.refusal(user(1000), group(100), daemon, daemonGroup, root, groups);
        assertTrue(refusal != null && refusal.startsWith("permission denied: only root, "), refusal);
    }

    @Test
    void shouldLetASupplementaryMemberListedInTheGroupFileModify(@TempDir Path dir) throws IOException {
        UserPrincipal alice = user(1000);
        GroupPrincipal daemonGroup = group(4242);
        Path groups = dir.resolve("group");
        Files.writeString(groups, "root:x:0:\n" + daemonGroup.getName() + ":x:4242:bob," + alice.getName() + "\n");
        assertNull(PeerCredentials.refusal(alice, group(100), user(4242), daemonGroup, user(0), groups));
        assertTrue(PeerCredentials.listedMember("bob", daemonGroup.getName(), groups));
        assertEquals(false, PeerCredentials.listedMember("carol", daemonGroup.getName(), groups));
        assertEquals(false, PeerCredentials.listedMember("bob", "root", groups));
    }
}
