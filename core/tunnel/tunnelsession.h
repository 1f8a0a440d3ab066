#pragma once

#include "common/result.h"
#include "tunnel/datapacket.h"
#include "tunnel/packetcipher.h"
#include "tunnel/replaywindow.h"
#include "tunnel/tunnelkeys.h"

#include <QByteArray>
#include <QString>
#include <array>
#include <chrono>
#include <memory>
#include <netinet/in.h>
#include <span>

// One peer's tunnel: its session indices, its keys by epoch, counters and replay windows, and
// where its datagrams go. It seals IPv4 packets into datagrams and opens datagrams addressed to
// it, both into caller buffers, never allocating.
//
// Epochs (docs/tunnel.md, "Rekeying"): we send with one epoch and move to the next after
// rekey::AfterTime or rekey::AfterPackets. We receive with the current epoch; the first
// authenticated packet of a later epoch makes that one current, and the old one stays accepted for
// rekey::PreviousEpochGrace. Each receive epoch has its own replay window.
//
// Threading: owned and used by the data-plane thread only. Time comes in as an argument, so tests
// drive it.
namespace pvc::core {

// Relay framing, supplied by the connectivity code: a datagram to a peer via relay is sent to the
// broker as prefix || sealed datagram.
struct RelayTarget {
    sockaddr_in broker {};
    QByteArray prefix; // at most TunnelSession::MaxRelayPrefixBytes
};

class TunnelSession {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t MaxRelayPrefixBytes = 64;

    struct Config {
        QString name;
        std::uint32_t virtualIp = 0; // the peer's, host byte order
        std::uint32_t localIndex = 0; // chosen by us: peers put it in the datagrams they send us
        std::uint32_t remoteIndex = 0; // chosen by the peer: we put it in the datagrams we send
        sockaddr_in endpoint {};
        bool viaRelay = false;
        RelayTarget relay;
    };

    enum class Status : std::uint8_t {
        Ok,
        NoRoom, // payload too large, or the output buffer too small
        Expired, // every derived epoch is used up
        BadEpoch,
        Replay,
        Decrypt,
    };

    // Errors: tunnel.bad_argument (no keys, unusable index, relay prefix too long),
    // tunnel.crypto_failed.
    static Result<std::unique_ptr<TunnelSession>> create(Config config, TunnelKeys keys, Clock::time_point now);

    // Seals payload as one datagram of the given type into out: header, ciphertext, tag, that is
    // payload + 32 bytes, reported in *size. Seals in place when payload.data() == out.data() + 16.
    Status seal(PacketType type, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out, std::size_t* size,
        Clock::time_point now);

    // Opens a datagram parsed for this session (its receiver index is our localIndex()): checks the
    // epoch and the replay window, decrypts into out, then records the counter. Opens in place when
    // out.data() == packet.sealed.data().
    Status open(const DataPacket& packet, std::span<std::uint8_t> out, std::size_t* size, Clock::time_point now);

    // The path. Direct: datagrams go to endpoint(). Via relay: to the relay's broker, prefixed.
    void setEndpoint(const sockaddr_in& endpoint, bool viaRelay);
    bool setRelay(const RelayTarget& relay); // false if the prefix is too long
    const sockaddr_in& destination() const { return m_viaRelay ? m_relayBroker : m_endpoint; }
    std::span<const std::uint8_t> prefix() const
    {
        return m_viaRelay ? std::span<const std::uint8_t>(m_relayPrefix.data(), m_relayPrefixSize)
                          : std::span<const std::uint8_t>();
    }
    const sockaddr_in& endpoint() const { return m_endpoint; }
    bool viaRelay() const { return m_viaRelay; }

    const QString& name() const { return m_name; }
    std::uint32_t virtualIp() const { return m_virtualIp; }
    std::uint32_t localIndex() const { return m_localIndex; }
    std::uint32_t remoteIndex() const { return m_remoteIndex; }
    std::uint32_t sendEpoch() const { return m_sendEpoch; }
    std::uint32_t receiveEpoch() const { return std::uint32_t(m_receive[m_current].epoch); }
    bool expired() const { return m_expired; }
    Clock::time_point lastSent() const { return m_lastSent; }

private:
    struct ReceiveSlot {
        PacketCipher cipher;
        ReplayWindow window;
        int epoch = -1; // -1: no key
    };

    TunnelSession() = default;
    bool advanceSendEpoch(Clock::time_point now);
    ReceiveSlot* slotFor(int epoch, Clock::time_point now, bool* switching);

    QString m_name;
    std::uint32_t m_virtualIp = 0;
    std::uint32_t m_localIndex = 0;
    std::uint32_t m_remoteIndex = 0;
    TunnelKeys m_keys;

    PacketCipher m_send;
    std::uint32_t m_sendEpoch = 0;
    std::uint64_t m_sendCounter = 0; // next counter in the send epoch
    Clock::time_point m_sendEpochStart;
    Clock::time_point m_lastSent;
    bool m_expired = false;

    // Current, previous, and a third slot that tries a later epoch without disturbing the other two.
    std::array<ReceiveSlot, 3> m_receive;
    int m_current = 0;
    int m_previous = 1;
    Clock::time_point m_previousUntil;

    sockaddr_in m_endpoint {};
    bool m_viaRelay = false;
    sockaddr_in m_relayBroker {};
    std::array<std::uint8_t, MaxRelayPrefixBytes> m_relayPrefix {};
    std::size_t m_relayPrefixSize = 0;
};

} // namespace pvc::core
