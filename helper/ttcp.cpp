#include "ttcp.h"

#include "injectionguard.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace pvc::helper {

namespace {

QString systemError(const char* step)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(step), QString::fromLocal8Bit(strerror(errno)));
}

} // namespace

std::optional<Refusal> checkPortOwner(quint16 port, uid_t uid, QSet<quint64>* listeners)
{
    QString error;
    const std::optional<QList<TcpSocket>> sockets = tcpSocketsOn(port, &error);
    if (!sockets)
        return Refusal { QStringLiteral("helper.not_yours"), QStringLiteral("cannot list the sockets: %1").arg(error) };
    if (!tcpPortOwnedBy(*sockets, port, uid))
        return Refusal { QStringLiteral("helper.not_yours"),
            QStringLiteral("you have no listener on TCP port %1, or someone else has a socket on it").arg(port) };
    if (listeners)
        *listeners = listenerInodes(*sockets, port); // every socket on the port is uid's: so are these
    return std::nullopt;
}

SynRules hostSynRules()
{
    SynRules rules;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return rules; // no target addresses: every SYN is refused
    for (const ifaddrs* entry = list; entry; entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET)
            continue;
        const quint32 address = ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr.s_addr);
        rules.hostAddresses << address;
        const quint32 mask = entry->ifa_netmask
            ? ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask)->sin_addr.s_addr)
            : ~0U;
        if (mask < 0xFFFFFFFE) // a /31 or /32 has no network nor broadcast address (RFC 3021)
            rules.subnetEdges << (address & mask) << (address | ~mask);
        const bool loopback = (entry->ifa_flags & IFF_LOOPBACK) || (address >> 24) == 127;
        if ((entry->ifa_flags & IFF_UP) && !loopback && (address & 0xF0000000) != 0xF0000000)
            rules.targetAddresses << address;
    }
    freeifaddrs(list);
    return rules;
}

int openSynCapture(quint16 port, quint32 to, quint16 toPort, QString* error)
{
    // Protocol 0: the socket receives nothing until bind(), so no packet slips in before the filter.
    const int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *error = systemError("socket(AF_PACKET)");
        return -1;
    }
    // For SOCK_DGRAM the filter sees the packet from its IPv4 header on. Only ETH_P_ALL sockets see
    // outgoing packets, hence the explicit protocol test.
    std::vector<sock_filter> code;
    std::vector<size_t> toDrop; // jumps whose false branch goes to the final "drop"
    const auto load
        = [&](quint16 size, qint32 offset) { code.push_back(BPF_STMT(BPF_LD | size | BPF_ABS, quint32(offset))); };
    const auto requireEqual = [&](quint32 value) {
        toDrop.push_back(code.size());
        code.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 0));
    };
    load(BPF_W, SKF_AD_OFF + SKF_AD_PKTTYPE);
    requireEqual(PACKET_OUTGOING);
    load(BPF_W, SKF_AD_OFF + SKF_AD_PROTOCOL);
    requireEqual(ETH_P_IP);
    load(BPF_B, 0);
    requireEqual(0x45); // IPv4 without options, which is how Linux sends a SYN
    load(BPF_B, 9);
    requireEqual(IPPROTO_TCP);
    load(BPF_H, 6);
    code.push_back(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3FFF)); // more-fragments flag and fragment offset
    requireEqual(0);
    load(BPF_W, 16);
    requireEqual(to); // the destination connect() goes to: the caller's own SYN, not any from the port
    load(BPF_H, 20);
    requireEqual(port);
    load(BPF_H, 22);
    requireEqual(toPort);
    load(BPF_B, 33);
    code.push_back(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x17)); // ACK, RST, SYN, FIN
    requireEqual(0x02);
    code.push_back(BPF_STMT(BPF_RET | BPF_K, MaxSynBytes + 16));
    code.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
    for (const size_t at : toDrop)
        code[at].jf = quint8(code.size() - 1 - at - 1);
    const sock_fprog program { quint16(code.size()), code.data() };
    const int one = 1, small = 4096;
    sockaddr_ll all {};
    all.sll_family = AF_PACKET;
    all.sll_protocol = htons(ETH_P_ALL);
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) != 0
        || setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) != 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) != 0
        || bind(fd, reinterpret_cast<const sockaddr*>(&all), sizeof(all)) != 0) {
        *error = systemError("capture setup");
        ::close(fd);
        return -1;
    }
    return fd;
}

QByteArray readCapturedSyn(int fd, const QList<quint32>& sources)
{
    char packet[MaxSynBytes + 16];
    for (;;) {
        const ssize_t size = recv(fd, packet, sizeof(packet), MSG_DONTWAIT | MSG_TRUNC);
        if (size < 0 && errno == EINTR)
            continue;
        if (size < 0)
            return {};
        if (size < 20 || size > MaxSynBytes) // longer ones (a Fast Open SYN with data) are skipped
            continue;
        quint32 source = 0;
        memcpy(&source, packet + 12, sizeof(source));
        if (sources.contains(ntohl(source))) // forwarded from a LAN host, it is someone else's
            return QByteArray(packet, size);
    }
}

bool sendSyn(const QByteArray& packet, quint32 destination, QString* error)
{
    const int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW); // IPPROTO_RAW implies IP_HDRINCL
    if (fd < 0) {
        *error = systemError("socket(SOCK_RAW)");
        return false;
    }
    // The mark the injection guard's rule knows (injectionguard.h): dropped if NAT sends it elsewhere.
    const quint32 mark = InjectedMark;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) {
        *error = systemError("SO_MARK");
        ::close(fd);
        return false;
    }
    sockaddr_in to {};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(destination);
    const ssize_t sent = sendto(fd, packet.constData(), size_t(packet.size()), MSG_DONTWAIT,
        reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    if (sent != packet.size())
        *error = systemError("sendto");
    ::close(fd);
    return sent == packet.size();
}

} // namespace pvc::helper
