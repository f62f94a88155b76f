package org.jntpd.xdp;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.BpfAttrMapCreate;
import org.jntpd.platform.BpfAttrMapElem;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;

/**
 * A BPF map held by its file descriptor (closed with the map, which the kernel frees once no program uses it).
 * Lookups and updates go through one preallocated bpf_attr: not thread-safe; setup and monitoring paths only.
 */
public final class BpfMap implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment attr = arena.allocate(BpfAttrMapElem.LAYOUT);
    private final int fd;
    private final int type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;

    private BpfMap(int fd, int type, int keySize, int valueSize, int maxEntries) {
        this.fd = fd;
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
    }

    /** BPF_MAP_CREATE; throws {@link NativeException} naming the map when the kernel refuses. */
    public static BpfMap create(int type, String name, int keySize, int valueSize, int maxEntries, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment create = a.allocate(BpfAttrMapCreate.LAYOUT);
            BpfAttrMapCreate.map_type(create, type);
            BpfAttrMapCreate.key_size(create, keySize);
            BpfAttrMapCreate.value_size(create, valueSize);
            BpfAttrMapCreate.max_entries(create, maxEntries);
            BpfAttrMapCreate.map_flags(create, flags);
            BpfAttrMapCreate.map_name(create, name);
            int fd = Bpf.bpf(Bpf.BPF_MAP_CREATE, create, BpfAttrMapCreate.sizeof());
            Libc.check(fd, "bpf(BPF_MAP_CREATE)", "map " + name + " type " + type + " of " + maxEntries);
            return new BpfMap(fd, type, keySize, valueSize, maxEntries);
        }
    }

    public int fd() {
        return fd;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** BPF_MAP_UPDATE_ELEM: 0, or -1 with errno set. */
    public int update(MemorySegment key, MemorySegment value, long flags) {
        BpfAttrMapElem.map_fd(attr, fd);
        BpfAttrMapElem.key(attr, key);
        BpfAttrMapElem.value(attr, value);
        BpfAttrMapElem.flags(attr, flags);
        return Bpf.bpf(Bpf.BPF_MAP_UPDATE_ELEM, attr, BpfAttrMapElem.sizeof());
    }

    /** BPF_MAP_LOOKUP_ELEM into {@code value} (for a per-CPU map: one 8-byte-aligned value per possible CPU). */
    public int lookup(MemorySegment key, MemorySegment value) {
        BpfAttrMapElem.map_fd(attr, fd);
        BpfAttrMapElem.key(attr, key);
        BpfAttrMapElem.value(attr, value);
        BpfAttrMapElem.flags(attr, 0);
        return Bpf.bpf(Bpf.BPF_MAP_LOOKUP_ELEM, attr, BpfAttrMapElem.sizeof());
    }

    /** BPF_MAP_DELETE_ELEM: 0, or -1 with errno set (ENOENT when absent). */
    public int delete(MemorySegment key) {
        BpfAttrMapElem.map_fd(attr, fd);
        BpfAttrMapElem.key(attr, key);
        BpfAttrMapElem.value(attr, MemorySegment.NULL);
        BpfAttrMapElem.flags(attr, 0);
        return Bpf.bpf(Bpf.BPF_MAP_DELETE_ELEM, attr, BpfAttrMapElem.sizeof());
    }

    /** A u32-keyed update with a u32 value (XSKMAP: queue index to socket fd). */
    public void putInt(int key, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(4);
            MemorySegment v = a.allocate(4);
            k.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, key);
            v.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, value);
            Libc.check(update(k, v, Bpf.BPF_ANY), "bpf(BPF_MAP_UPDATE_ELEM)", "key " + key);
        }
    }

    /** Removes a u32 key; absent keys are fine. */
    public void deleteInt(int key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(4);
            k.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, key);
            delete(k);
        }
    }

    /** The kernel's number of possible CPUs: the count of values a per-CPU map returns per key. */
    public static int possibleCpus() {
        try {
            String s = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
            int n = 0;
            for (String range : s.split(",")) {
                String[] ab = range.split("-");
                n += ab.length == 1 ? 1 : Integer.parseInt(ab[1]) - Integer.parseInt(ab[0]) + 1;
            }
            return n;
        } catch (IOException | NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }

    @Override
    public String toString() {
        return "bpf map fd " + fd + " type " + type + " key " + keySize + " value " + valueSize;
    }
}
