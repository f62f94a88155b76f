package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * bench/guest-start-time: bench/start-time run in the emulated guest (qemu under TCG), where a JVM starts 20-30 times
 * slower than on this host: where jntpd's start goes before its first clock update (bench/README.md, "PPS in the
 * guest"). Arguments are passed on to bench/start-time; {@code --refclock} is given the jntpd_pps device. The work
 * folder (logs, the AOT cache trained in the guest) is the guest's job folder, {@code target/guest/GuestStartTime}.
 */
public final class GuestStartTime {
    private GuestStartTime() {
    }

    public static void main(String[] args) throws Exception {
        GuestVm.unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("the guest tier cannot run here: " + why);
        });
        Path project = Path.of(System.getProperty("jntpd.projectDir", System.getProperty("user.dir"))).toAbsolutePath();
        var hostBefore = GuestVm.hostTimex();
        try (GuestVm vm = GuestVm.builder().name("GuestStartTime").modules("jntpd_pps")
                .lifetime(Duration.ofMinutes(30)).start()) {
            String device = vm.exec(GUEST_TOOL + " find pps jntpd_pps", Duration.ofSeconds(60)).requireSuccess()
                    .stdout().strip();
            List<String> cmd = new ArrayList<>(List.of(project.resolve("bench/start-time").toString(), "--work",
                    "/job/work", "--refclock", device));
            cmd.addAll(List.of(args));
            GuestVm.Result r = vm.exec(String.join(" ", cmd) + " 2>&1", Duration.ofMinutes(28));
            System.out.print(r.stdout());
            System.out.print(r.stderr());
            if (r.exitCode() != 0) {
                throw new IllegalStateException("bench/start-time failed in the guest (exit " + r.exitCode() + ")");
            }
        }
        GuestVm.requireHostClockUnchanged(hostBefore);
    }
}
