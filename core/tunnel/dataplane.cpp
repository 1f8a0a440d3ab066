#include "tunnel/dataplane.h"

#include "tunnel/packetloop.h"

#include <map>
#include <mutex>

namespace pvc::core {

namespace {

std::int64_t nanoseconds(PacketLoop::Clock::time_point time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

sockaddr_in unpackAddress(std::uint64_t packed)
{
    sockaddr_in address {};
    if (packed != 0) {
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(std::uint32_t(packed >> 16));
        address.sin_port = htons(std::uint16_t(packed));
    }
    return address;
}

// What the control side knows of a peer, for validation and stats().
struct PeerRecord {
    QString name;
    quint32 remoteIndex = 0;
    quint32 virtualIp = 0;
    sockaddr_in endpoint {};
    bool viaRelay = false;
    bool viaStream = false;
    int socket = -1;
    bool hasRelay = false;
    std::shared_ptr<PeerCounters> counters;
};

} // namespace

struct DataPlane::Private {
    explicit Private(Config config)
        : loop(config.tunFd, config.udpFd, std::move(config.onForeignDatagram), std::move(config.onStreamDatagram),
            std::move(config.filter))
    {
    }

    mutable std::mutex mutex; // guards records
    std::map<quint32, PeerRecord> records; // what stats() reports, by local index
    PacketLoop loop;
};

DataPlane::DataPlane(Config config)
    : d(std::make_unique<Private>(std::move(config)))
{
}

DataPlane::~DataPlane()
{
    stop();
}

bool DataPlane::start(Error* error)
{
    return d->loop.start(error);
}

void DataPlane::stop()
{
    d->loop.stop();
}

bool DataPlane::addPeer(const PeerConfig& peer, Error* error)
{
    auto fail = [error](Error e) {
        if (error)
            *error = std::move(e);
        return false;
    };
    if (!datapacket::isUsableIndex(peer.localIndex) || !datapacket::isUsableIndex(peer.remoteIndex))
        return fail(makeError("tunnel.bad_argument", QStringLiteral("session index 0 or the STUN cookie")));
    if (peer.virtualIp == 0 || !peer.exporter)
        return fail(makeError("tunnel.bad_argument", QStringLiteral("no virtual IP or no exporter")));
    if (peer.viaRelay && peer.relay.broker.sin_port == 0)
        return fail(makeError("tunnel.bad_argument", QStringLiteral("via relay, but no relay target")));
    {
        const std::lock_guard lock(d->mutex);
        if (d->records.count(peer.localIndex))
            return fail(makeError("tunnel.duplicate_index", QString::number(peer.localIndex)));
    }
    auto keys = TunnelKeys::derive(peer.exporter, peer.isClient ? TunnelKeys::Role::Client : TunnelKeys::Role::Server);
    if (!keys)
        return fail(keys.error());
    TunnelSession::Config config { peer.name, peer.virtualIp, peer.localIndex, peer.remoteIndex, peer.endpoint,
        peer.viaRelay, peer.relay };
    auto session = TunnelSession::create(std::move(config), std::move(keys).value(), PacketLoop::Clock::now());
    if (!session)
        return fail(session.error());

    PacketLoop::Command command(PacketLoop::Command::Kind::AddPeer);
    command.index = peer.localIndex;
    command.session = std::move(session).value();
    command.counters = std::make_shared<PeerCounters>();
    {
        const std::lock_guard lock(d->mutex);
        // Checked again: another thread may have added the same index meanwhile.
        if (d->records.count(peer.localIndex))
            return fail(makeError("tunnel.duplicate_index", QString::number(peer.localIndex)));
        d->records[peer.localIndex] = { peer.name, peer.remoteIndex, peer.virtualIp, peer.endpoint, peer.viaRelay,
            false, -1, peer.relay.broker.sin_port != 0, command.counters };
    }
    d->loop.post(std::move(command));
    return true;
}

bool DataPlane::removePeer(quint32 localIndex)
{
    {
        const std::lock_guard lock(d->mutex);
        if (!d->records.erase(localIndex))
            return false;
    }
    PacketLoop::Command command(PacketLoop::Command::Kind::RemovePeer);
    command.index = localIndex;
    d->loop.post(std::move(command));
    return true;
}

bool DataPlane::setEndpoint(quint32 localIndex, const sockaddr_in& endpoint, bool viaRelay)
{
    return setPath(localIndex, endpoint, viaRelay, false);
}

bool DataPlane::setPath(quint32 localIndex, const sockaddr_in& endpoint, bool viaRelay, bool viaStream, int socket)
{
    {
        const std::lock_guard lock(d->mutex);
        const auto it = d->records.find(localIndex);
        if (it == d->records.end() || (viaRelay && !viaStream && !it->second.hasRelay))
            return false;
        it->second.endpoint = endpoint;
        it->second.viaRelay = viaRelay && !viaStream;
        it->second.viaStream = viaStream;
        it->second.socket = viaRelay || viaStream ? -1 : socket;
    }
    PacketLoop::Command command(PacketLoop::Command::Kind::SetEndpoint);
    command.index = localIndex;
    command.address = endpoint;
    command.viaRelay = viaRelay && !viaStream;
    command.viaStream = viaStream;
    command.socket = viaRelay || viaStream ? -1 : socket;
    d->loop.post(std::move(command));
    return true;
}

void DataPlane::probe(quint32 localIndex, const sockaddr_in& to, int socket)
{
    PacketLoop::Command command(PacketLoop::Command::Kind::ProbeTo);
    command.index = localIndex;
    command.address = to;
    command.socket = socket;
    d->loop.post(std::move(command));
}

void DataPlane::addSocket(int fd)
{
    PacketLoop::Command command(PacketLoop::Command::Kind::AddSocket);
    command.socket = fd;
    d->loop.post(std::move(command));
}

void DataPlane::removeSocket(int fd)
{
    PacketLoop::Command command(PacketLoop::Command::Kind::RemoveSocket);
    command.socket = fd;
    d->loop.post(std::move(command));
}

bool DataPlane::setRelay(quint32 localIndex, const RelayTarget& relay)
{
    if (std::size_t(relay.prefix.size()) > TunnelSession::MaxRelayPrefixBytes)
        return false;
    {
        const std::lock_guard lock(d->mutex);
        const auto it = d->records.find(localIndex);
        if (it == d->records.end() || (it->second.viaRelay && relay.broker.sin_port == 0))
            return false;
        it->second.hasRelay = relay.broker.sin_port != 0;
    }
    PacketLoop::Command command(PacketLoop::Command::Kind::SetRelay);
    command.index = localIndex;
    command.relay = relay;
    d->loop.post(std::move(command));
    return true;
}

void DataPlane::setFilter(std::shared_ptr<PacketFilter> filter)
{
    PacketLoop::Command command(PacketLoop::Command::Kind::SetFilter);
    command.filter = filter ? std::move(filter) : std::make_shared<AllowAllFilter>();
    d->loop.post(std::move(command));
}

void DataPlane::sendRaw(const QByteArray& bytes, const sockaddr_in& to)
{
    PacketLoop::Command command(PacketLoop::Command::Kind::SendRaw);
    command.bytes = bytes;
    command.address = to;
    d->loop.post(std::move(command));
}

void DataPlane::injectDatagram(const QByteArray& bytes, quint32 fromPeerIndexHint)
{
    PacketLoop::Command command(PacketLoop::Command::Kind::Inject);
    command.bytes = bytes;
    command.index = fromPeerIndexHint;
    d->loop.post(std::move(command));
}

DataPlaneStats DataPlane::stats() const
{
    DataPlaneStats stats;
    const std::int64_t now = nanoseconds(PacketLoop::Clock::now());
    const std::lock_guard lock(d->mutex);
    for (const auto& [index, record] : d->records) {
        const PeerCounters& counters = *record.counters;
        PeerStats peer;
        peer.name = record.name;
        peer.localIndex = index;
        peer.remoteIndex = record.remoteIndex;
        peer.virtualIp = record.virtualIp;
        peer.endpoint = record.endpoint;
        peer.viaRelay = record.viaRelay;
        peer.packetsIn = counters.packetsIn.load(std::memory_order_relaxed);
        peer.bytesIn = counters.bytesIn.load(std::memory_order_relaxed);
        peer.packetsOut = counters.packetsOut.load(std::memory_order_relaxed);
        peer.bytesOut = counters.bytesOut.load(std::memory_order_relaxed);
        peer.drops = counters.drops.snapshot();
        const std::int64_t last = counters.lastReceivedNs.load(std::memory_order_relaxed);
        peer.lastReceivedAgoMs = last < 0 ? -1 : (now - last) / 1'000'000;
        peer.rttUs = counters.rttUs.load(std::memory_order_relaxed);
        peer.sendEpoch = counters.sendEpoch.load(std::memory_order_relaxed);
        peer.expired = counters.expired.load(std::memory_order_relaxed);
        peer.lastDirectSource = unpackAddress(counters.lastDirectSource.load(std::memory_order_relaxed));
        const std::int64_t lastDirect = counters.lastDirectReceivedNs.load(std::memory_order_relaxed);
        peer.lastDirectReceivedAgoMs = lastDirect < 0 ? -1 : (now - lastDirect) / 1'000'000;
        peer.lastDirectSocket = counters.lastDirectSocket.load(std::memory_order_relaxed);
        peer.socket = record.socket;
        peer.viaStream = record.viaStream;
        stats.peers.append(peer);
    }
    stats.drops = d->loop.drops();
    stats.foreignDatagrams = d->loop.foreignDatagrams();
    return stats;
}

} // namespace pvc::core
