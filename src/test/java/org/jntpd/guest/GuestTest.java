package org.jntpd.guest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test (class) that boots an emulated guest: tagged {@code guest}, and skipped with the reason when
 * qemu or the kernel packages are missing here (see {@link GuestVm#unavailableReason()}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("guest")
@ExtendWith(GuestCondition.class)
public @interface GuestTest {
}
