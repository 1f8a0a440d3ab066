#pragma once

#include <QByteArray>

// Shared pieces of the broker protocol (docs/protocol.md, "Broker protocol").
namespace pvc::core::brokerprotocol {

// What a member (with its host key) or the master (with the CA key) signs to open a session:
// the broker's fresh nonce and the broker's TLS certificate digest, so that a signed hello
// cannot be replayed to another broker or through a man in the middle.
inline QByteArray helloSigningText(const QByteArray& nonce, const QByteArray& brokerTlsFingerprint)
{
    return "pvc-broker-hello-v1\n" + nonce.toHex() + '\n' + brokerTlsFingerprint.toHex();
}

inline constexpr int MaxRelayStreamsPerSession = 64;
inline constexpr int MaxRelayChunkBytes = 16 * 1024;

// UDP relay of sealed data packets (docs/protocol.md, "UDP relay"): an 8-byte header, then the
// sealed packet. To the broker: [0xF0, 0, 0, 0, target relay tag (u32 BE)]; from the broker:
// [0xF1, 0, 0, 0, source relay tag (u32 BE)].
inline constexpr quint8 RelayToBroker = 0xF0;
inline constexpr quint8 RelayFromBroker = 0xF1;
inline constexpr int RelayHeaderBytes = 8;
inline constexpr int MaxRelayDatagramBytes = 2048;

} // namespace pvc::core::brokerprotocol
