#include "tunnel/tunnelsession.h"

#include <algorithm>

namespace pvc::core {

Result<std::unique_ptr<TunnelSession>> TunnelSession::create(Config config, TunnelKeys keys, Clock::time_point now)
{
    const TunnelKeys::Epoch* first = keys.epoch(0);
    if (!first)
        return makeError("tunnel.bad_argument", QStringLiteral("no tunnel keys"));
    if (!datapacket::isUsableIndex(config.localIndex) || !datapacket::isUsableIndex(config.remoteIndex))
        return makeError("tunnel.bad_argument", QStringLiteral("session index 0 or the STUN cookie"));
    std::unique_ptr<TunnelSession> session(new TunnelSession);
    if (!session->setRelay(config.relay))
        return makeError("tunnel.bad_argument", QStringLiteral("relay prefix longer than 64 bytes"));
    if (!session->m_send.setKey(first->send) || !session->m_receive[0].cipher.setKey(first->receive))
        return makeError("tunnel.crypto_failed", QStringLiteral("cannot set up ChaCha20-Poly1305"));
    session->m_receive[0].epoch = 0;
    session->m_name = config.name;
    session->m_virtualIp = config.virtualIp;
    session->m_localIndex = config.localIndex;
    session->m_remoteIndex = config.remoteIndex;
    session->m_keys = std::move(keys);
    session->m_sendEpochStart = now;
    session->m_lastSent = now;
    session->setEndpoint(config.endpoint, config.viaRelay);
    return session;
}

TunnelSession::Status TunnelSession::seal(PacketType type, std::span<const std::uint8_t> payload,
    std::span<std::uint8_t> out, std::size_t* size, Clock::time_point now)
{
    if (payload.size() > datapacket::MaxPayloadBytes || out.size() < payload.size() + datapacket::OverheadBytes)
        return Status::NoRoom;
    if (m_expired)
        return Status::Expired;
    if (m_sendCounter >= rekey::AfterPackets || now - m_sendEpochStart >= rekey::AfterTime) {
        if (!advanceSendEpoch(now))
            return Status::Expired;
    }
    const DataPacketHeader header { type, std::uint8_t(m_sendEpoch), m_remoteIndex, m_sendCounter };
    datapacket::writeHeader(header, out.data());
    const std::size_t sealed
        = m_send.seal(m_sendCounter, out.first(datapacket::HeaderBytes), payload, out.subspan(datapacket::HeaderBytes));
    if (sealed == 0)
        return Status::NoRoom;
    // A counter is spent even if the datagram is never sent: a nonce is never reused.
    ++m_sendCounter;
    m_lastSent = now;
    *size = datapacket::HeaderBytes + sealed;
    return Status::Ok;
}

bool TunnelSession::advanceSendEpoch(Clock::time_point now)
{
    const TunnelKeys::Epoch* next = m_keys.epoch(m_sendEpoch + 1);
    if (!next || !m_send.setKey(next->send)) {
        m_expired = true;
        return false;
    }
    ++m_sendEpoch;
    m_sendCounter = 0;
    m_sendEpochStart = now;
    return true;
}

TunnelSession::ReceiveSlot* TunnelSession::slotFor(int epoch, Clock::time_point now, bool* switching)
{
    *switching = false;
    ReceiveSlot& current = m_receive[std::size_t(m_current)];
    if (epoch == current.epoch)
        return &current;
    ReceiveSlot& previous = m_receive[std::size_t(m_previous)];
    if (epoch == previous.epoch)
        return now < m_previousUntil ? &previous : nullptr;
    // A later epoch: the peer rekeyed. Only an authenticated packet makes it current (open()).
    const TunnelKeys::Epoch* keys = m_keys.epoch(std::uint32_t(epoch));
    if (epoch < current.epoch || !keys)
        return nullptr;
    ReceiveSlot& trial = m_receive[std::size_t(3 - m_current - m_previous)];
    if (trial.epoch != epoch) {
        trial.epoch = -1;
        trial.window.reset();
        if (!trial.cipher.setKey(keys->receive))
            return nullptr;
        trial.epoch = epoch;
    }
    *switching = true;
    return &trial;
}

TunnelSession::Status TunnelSession::open(
    const DataPacket& packet, std::span<std::uint8_t> out, std::size_t* size, Clock::time_point now)
{
    bool switching = false;
    ReceiveSlot* slot = slotFor(packet.header.epoch, now, &switching);
    if (!slot)
        return Status::BadEpoch;
    const std::uint64_t counter = packet.header.counter;
    if (!slot->window.check(counter))
        return Status::Replay;
    const std::ptrdiff_t opened = slot->cipher.open(counter, packet.headerBytes, packet.sealed, out);
    if (opened < 0)
        return Status::Decrypt;
    slot->window.update(counter);
    if (switching) {
        const int trial = 3 - m_current - m_previous;
        m_previous = m_current;
        m_current = trial;
        m_previousUntil = now + rekey::PreviousEpochGrace;
    }
    *size = std::size_t(opened);
    return Status::Ok;
}

void TunnelSession::setEndpoint(const sockaddr_in& endpoint, bool viaRelay)
{
    m_endpoint = endpoint;
    m_viaRelay = viaRelay;
}

bool TunnelSession::setRelay(const RelayTarget& relay)
{
    if (std::size_t(relay.prefix.size()) > MaxRelayPrefixBytes)
        return false;
    m_relayBroker = relay.broker;
    m_relayPrefixSize = std::size_t(relay.prefix.size());
    std::copy_n(
        reinterpret_cast<const std::uint8_t*>(relay.prefix.constData()), m_relayPrefixSize, m_relayPrefix.begin());
    return true;
}

} // namespace pvc::core
