/**
 * An eBPF assembler ({@link org.jntpd.xdp.ebpf.Asm}): instructions appended one call each, jumps to labels resolved
 * at assembly, map references as BPF_PSEUDO_MAP_FD loads the kernel relocates. Pure: it only encodes instructions
 * (opcode constants from {@code platform.Bpf}); loading is {@code xdp.BpfProgram}'s.
 *
 * <p>May use: {@code platform} (its constants). Must not: make system calls or know what the programs are for.
 */
package org.jntpd.xdp.ebpf;
