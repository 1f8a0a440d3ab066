#pragma once

#include <QByteArray>

namespace pvc::test {

// Records of a classic pcap file (tcpdump -w): how many, and how many are relay datagrams, i.e. UDP
// payloads that start with the broker's relay framing (0xF0 to the broker, 0xF1 from it; docs/tunnel.md,
// section 5). Link type Ethernet.
struct Capture {
    bool valid = false;
    int packets = 0;
    int relayed = 0;
};

Capture readPcap(const QByteArray& file);

} // namespace pvc::test
