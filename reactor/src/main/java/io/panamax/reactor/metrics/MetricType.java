package io.panamax.reactor.metrics;

/** The kinds of metric, named as in the Prometheus exposition format. */
public enum MetricType {
    COUNTER, GAUGE, SUMMARY
}
