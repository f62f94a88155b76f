package org.jntpd.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * A folder for chronyd's command socket: chronyd disables a socket whose folder others can reach, so it is owned by
 * user and group {@code _chrony} with mode 0770 (needs root; the test is skipped without the user).
 */
public final class ChronyCommandDir {
    private ChronyCommandDir() {}

    /** Creates {@code parent/name} for chronyd's socket and pid file. */
    public static Path create(Path parent, String name) throws IOException {
        assumeTrue(ExternalProgram.isRoot(), "the chronyc socket folder must be given to _chrony (needs root)");
        Path dir = Files.createDirectory(parent.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        try {
            Files.setOwner(dir, users.lookupPrincipalByName("_chrony"));
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(users.lookupPrincipalByGroupName("_chrony"));
        } catch (UserPrincipalNotFoundException e) {
            assumeTrue(false, "no _chrony user (the chrony package makes it)");
        }
        return dir;
    }

    /** {@code chronyc -h SOCKET COMMAND...}: its output (10 s at most). */
    public static String chronyc(Path socket, String... command) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                ExternalProgram.find("chronyc").orElseThrow().toString(), "-h", socket.toString()));
        cmd.addAll(java.util.List.of(command));
        return ExternalProgram.run(java.time.Duration.ofSeconds(10), cmd).output();
    }
}
