/**
 * Recording a running NIC's traffic for Wireshark without blocking its shards
 * ({@link io.panamax.nic.capture.CapturingNic}).
 */
package io.panamax.nic.capture;
