/**
 * The Prometheus exporter ({@code metrics ADDR:PORT}): {@link org.jntpd.metrics.MetricsServer} serves {@code /metrics}
 * in the text exposition format 0.0.4 ({@link org.jntpd.metrics.PrometheusText}) from the JDK's HTTP server on its own
 * thread; {@link org.jntpd.metrics.Exposition} writes the families: the system and its sources from the
 * {@link org.jntpd.metrics.SyncMetrics} snapshot the synchronisation loop publishes, the serving workers'
 * {@link org.jntpd.server.ServerCounters} (read with their opaque loads), and the JVM's GC and allocation counters.
 *
 * <p>May use: {@code base}, {@code wire}, {@code sync} (the names of its states), {@code server} (the counters).
 * Must not: run on, wait for or lock against the serving or synchronisation threads, or change anything in the
 * daemon: it reads published snapshots and counters through what the daemon hands it.
 */
package org.jntpd.metrics;
