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

} // namespace pvc::core::brokerprotocol
