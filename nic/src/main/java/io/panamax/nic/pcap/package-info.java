/**
 * Capture files: a reader of pcap and pcapng ({@link io.panamax.nic.pcap.CaptureFileReader}), writers
 * ({@link io.panamax.nic.pcap.CaptureFileWriter}), and a NIC that replays one file and writes
 * what it sends to another ({@link io.panamax.nic.pcap.PcapNic}).
 */
package io.panamax.nic.pcap;
