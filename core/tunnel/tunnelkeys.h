#pragma once

#include "common/result.h"

#include <QByteArray>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

// The keys of one tunnel session, from the TLS 1.3 exporter of the peers' mutual TLS session
// (RFC 5705, RFC 8446 section 7.5), one pair per epoch:
//
//   exporter("EXPORTER-pvc-tunnel-v1", context = epoch as u32 BE, 64 bytes)
//     bytes  0..31: client -> server key
//     bytes 32..63: server -> client key
//
// All epochs are derived up front, on the thread that owns the TLS session (the exporter is not
// thread-safe); the data plane never calls it. Epochs come from one TLS session, so they give no
// forward secrecy between one another (docs/tunnel.md).
namespace pvc::core {

namespace rekey {
using namespace std::chrono_literals;
// A sender moves to the next epoch after this long or this many packets, whichever comes first.
inline constexpr std::chrono::seconds AfterTime = 120s;
inline constexpr std::uint64_t AfterPackets = std::uint64_t(1) << 28;
// After the receiver sees the next epoch, the previous one is still accepted this long.
inline constexpr std::chrono::seconds PreviousEpochGrace = 30s;
// Epochs derived at session set-up: 64 x 120 s is 128 minutes; an older session must be
// re-established (new TLS handshake, new session).
inline constexpr int PrecomputedEpochs = 64;
} // namespace rekey

class TunnelKeys {
public:
    static constexpr std::size_t KeyBytes = 32;
    using Key = std::array<std::uint8_t, KeyBytes>;
    using Exporter = std::function<QByteArray(QByteArray label, QByteArray context, int length)>;
    enum class Role { Client, Server }; // the TLS role: it decides which half is ours to send with

    struct Epoch {
        Key send {};
        Key receive {};
    };

    static QByteArray label(); // "EXPORTER-pvc-tunnel-v1"
    static QByteArray context(std::uint32_t epoch); // 4 bytes, big-endian

    // Calls the exporter once per epoch. Errors: tunnel.bad_argument, tunnel.exporter_failed (it
    // returned something other than 64 bytes).
    static Result<TunnelKeys> derive(const Exporter& exporter, Role role, int epochs = rekey::PrecomputedEpochs);

    TunnelKeys() = default;
    TunnelKeys(TunnelKeys&& other) noexcept;
    TunnelKeys& operator=(TunnelKeys&& other) noexcept;
    TunnelKeys(const TunnelKeys&) = delete;
    TunnelKeys& operator=(const TunnelKeys&) = delete;
    ~TunnelKeys(); // wipes the keys

    int epochCount() const { return int(m_epochs.size()); }
    // nullptr past the last derived epoch.
    const Epoch* epoch(std::uint32_t number) const;

private:
    void wipe();
    std::vector<Epoch> m_epochs;
};

} // namespace pvc::core
