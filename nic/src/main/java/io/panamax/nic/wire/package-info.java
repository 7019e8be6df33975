/**
 * The in-memory wire: two NICs connected back to back in one process ({@link io.panamax.nic.wire.Wire}),
 * multi-queue, with pluggable receive steering and deterministic, seeded impairments (loss,
 * duplication, reordering, delay and jitter, corruption, rate limit, MTU). For reproducible tests
 * of the stack against itself and for benchmarks without a device. See {@code docs/wire.md}.
 */
package io.panamax.nic.wire;
