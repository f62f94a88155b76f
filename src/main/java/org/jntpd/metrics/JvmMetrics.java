package org.jntpd.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.jntpd.metrics.PrometheusText.Type;

/**
 * The JVM's own counters, read through the platform MXBeans without the platform MBean server (which would load JMX):
 * collections and their time per collector (named as the Prometheus Java client names them, so JVM dashboards work),
 * bytes allocated by all threads, heap and non-heap use, live threads, uptime. The serving path allocates nothing, so
 * {@code jvm_allocated_bytes_total} rising faster than the monitoring itself allocates points at a regression.
 */
final class JvmMetrics {
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();

    void write(PrometheusText t) {
        t.family("jvm_gc_collection_seconds", Type.SUMMARY, "Time spent in garbage collections, by collector");
        for (GarbageCollectorMXBean gc : collectors) {
            t.sample("_count", Math.max(0, gc.getCollectionCount()), "gc", gc.getName());
            t.sample("_sum", Math.max(0, gc.getCollectionTime()) / 1e3, "gc", gc.getName());
        }
        if (threads instanceof com.sun.management.ThreadMXBean hotspot && hotspot.isThreadAllocatedMemorySupported()
                && hotspot.isThreadAllocatedMemoryEnabled()) {
            t.family("jvm_allocated_bytes_total", Type.COUNTER, "Bytes allocated on the heap by all threads since the start")
                    .sample(hotspot.getTotalThreadAllocatedBytes());
        }
        t.family("jvm_memory_bytes_used", Type.GAUGE, "Memory in use, by area");
        t.sample(memory.getHeapMemoryUsage().getUsed(), "area", "heap");
        t.sample(memory.getNonHeapMemoryUsage().getUsed(), "area", "nonheap");
        t.family("jvm_memory_bytes_committed", Type.GAUGE, "Memory committed, by area");
        t.sample(memory.getHeapMemoryUsage().getCommitted(), "area", "heap");
        t.sample(memory.getNonHeapMemoryUsage().getCommitted(), "area", "nonheap");
        t.family("jvm_threads_current", Type.GAUGE, "Live threads").sample(threads.getThreadCount());
        t.family("ntp_uptime_seconds", Type.GAUGE, "Time since the daemon started").sample(runtime.getUptime() / 1e3);
    }
}
