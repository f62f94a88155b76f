package org.jntpd.xdp;

import org.jntpd.platform.Bpf;
import org.jntpd.xdp.ebpf.Asm;

/** Which helpers may an XDP program call here (dev probe): loads r1=ctx; r2=arg; call id; exit for each id. */
public final class HelperProbe {
    public static void main(String[] args) {
        for (String a : args) {
            int id = Integer.parseInt(a);
            Asm asm = new Asm().mov64(Asm.R2, 0).mov64(Asm.R3, 0).call(id).ret(Bpf.XDP_PASS);
            try (BpfProgram p = BpfProgram.load(asm.assemble(), "probe", Bpf.BPF_PROG_TYPE_XDP, Integer.parseInt(System.getProperty("att", "37")))) {
                System.out.println(id + " ok");
            } catch (BpfProgram.LoadException e) {
                String[] l = e.verifierLog().split("\n");
                System.out.println(id + " refused: " + (l.length > 2 ? l[l.length - 2] : e.getMessage()));
            }
        }
    }
}
