package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.BpfInsn;
import org.jntpd.xdp.ebpf.Asm;
import org.junit.jupiter.api.Test;

/** The eBPF assembler's encodings, byte for byte against the kernel's documented instruction bytes. */
class AsmTest {
    @Test
    void shouldEncodeInstructionsAsTheKernelDocumentsThem() {
        long[] code = new Asm()
                .mov64(Asm.R0, 0)                    // b7 00 00 00 00 00 00 00
                .mov64Reg(Asm.R6, Asm.R1)            // bf 16 00 00 00 00 00 00
                .load(Bpf.BPF_W, Asm.R2, Asm.R6, 4)  // 61 62 04 00 00 00 00 00
                .store(Bpf.BPF_DW, Asm.R10, -8, Asm.R1) // 7b 1a f8 ff 00 00 00 00
                .call(Bpf.BPF_FUNC_ktime_get_tai_ns) // 85 00 00 00 d0 00 00 00
                .toBigEndian(Asm.R7, 64)             // dc 07 00 00 40 00 00 00
                .exit()                              // 95 00 00 00 00 00 00 00
                .assemble();
        assertArrayEquals(new long[] {
            bytes(0xb7, 0x00, 0, 0, 0, 0, 0, 0),
            bytes(0xbf, 0x16, 0, 0, 0, 0, 0, 0),
            bytes(0x61, 0x62, 0x04, 0, 0, 0, 0, 0),
            bytes(0x7b, 0x1a, 0xf8, 0xff, 0, 0, 0, 0),
            bytes(0x85, 0, 0, 0, 0xd0, 0, 0, 0),
            bytes(0xdc, 0x07, 0, 0, 0x40, 0, 0, 0),
            bytes(0x95, 0, 0, 0, 0, 0, 0, 0)}, code);
    }

    @Test
    void shouldEncodeAMapReferenceAsAPseudoMapFdLoadInTwoSlots() {
        long[] code = new Asm().loadMapFd(Asm.R1, 7).loadImm64(Asm.R3, 0x1_0000_0002L).assemble();
        assertEquals(4, code.length);
        assertEquals(bytes(0x18, 0x11, 0, 0, 7, 0, 0, 0), code[0]); // src_reg 1 = BPF_PSEUDO_MAP_FD
        assertEquals(0, code[1]);
        assertEquals(bytes(0x18, 0x03, 0, 0, 2, 0, 0, 0), code[2]);
        assertEquals(bytes(0, 0, 0, 0, 1, 0, 0, 0), code[3]);
    }

    @Test
    void shouldResolveForwardAndBackwardJumpsRelativeToTheNextInstruction() {
        long[] code = new Asm()
                .label("top")
                .jump(Bpf.BPF_JEQ, Asm.R1, 5, "out")           // 0: to 4 = +3 (the 64-bit load counts 2 slots)
                .loadImm64(Asm.R2, 1)                          // 1-2
                .jump("top")                                   // 3: back to 0 = -4
                .label("out")
                .exit()                                        // 4
                .assemble();
        assertEquals(bytes(0x15, 0x01, 0x03, 0x00, 5, 0, 0, 0), code[0]);
        assertEquals(bytes(0x05, 0, 0xfc, 0xff, 0, 0, 0, 0), code[3]);
    }

    @Test
    void shouldRefuseUndefinedLabelsAndBadRegisters() {
        assertThrows(IllegalStateException.class, () -> new Asm().jump("nowhere").assemble());
        assertThrows(IllegalArgumentException.class, () -> new Asm().mov64(11, 0));
        assertThrows(IllegalArgumentException.class, () -> new Asm().label("a").label("a"));
    }

    @Test
    void shouldAgreeWithTheAbiCheckedStructLayout() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(BpfInsn.LAYOUT);
            BpfInsn.set(s, 0, 0x61, 2, 6, -3, 0x12345678);
            assertEquals(Asm.encode(0x61, 2, 6, -3, 0x12345678), s.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void shouldBuildBothSteeringProgramsWithinTheVerifiersReach() {
        for (SteeringProgram.StampPlacement p : SteeringProgram.StampPlacement.values()) {
            long[] insns = SteeringProgram.build(p, new int[] {123, 4123}, 3, 4, 6, 5, 1_000_000L, 16);
            assertTrue(insns.length > 100 && insns.length < 400, p + ": " + insns.length);
            assertEquals(bytes(0x95, 0, 0, 0, 0, 0, 0, 0), insns[insns.length - 1], "ends in exit");
        }
        assertThrows(IllegalArgumentException.class, () -> SteeringProgram.build(
                SteeringProgram.StampPlacement.METADATA, new int[0], 3, 4, 6, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SteeringProgram.build(
                SteeringProgram.StampPlacement.METADATA, new int[] {123}, 3, 4, -1, -1, 0, 0), "no served-address map");
    }

    private static long bytes(int... b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }
}
