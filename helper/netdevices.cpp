#include "netdevices.h"

#include <QFile>
#include <QRegularExpression>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pvc::helper {

namespace {

constexpr qint64 MaxRouteTableBytes = 4 * 1024 * 1024;

bool overlaps(quint32 a, int aPrefix, quint32 b, int bPrefix)
{
    const int shorter = std::min(aPrefix, bPrefix);
    const quint32 mask = shorter == 0 ? 0 : ~quint32(0) << (32 - shorter);
    return (a & mask) == (b & mask);
}

int prefixOf(quint32 mask)
{
    return __builtin_popcount(mask);
}

QString dotted(quint32 address)
{
    return u"%1.%2.%3.%4"_s.arg(address >> 24)
        .arg((address >> 16) & 0xFF)
        .arg((address >> 8) & 0xFF)
        .arg(address & 0xFF);
}

Refusal inUse(const QString& what)
{
    return { u"helper.address_in_use"_s, what };
}

// /proc/net/route: Iface, Destination, Gateway, Flags, RefCnt, Use, Metric, Mask, ... (hex, host order of
// the kernel, i.e. little-endian network bytes).
std::optional<Refusal> checkRoutes(quint32 network, int prefix)
{
    QFile table(u"/proc/net/route"_s);
    if (!table.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QList<QByteArray> lines = table.read(MaxRouteTableBytes).split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> fields = lines.at(i).simplified().split(' ');
        if (fields.size() < 8)
            continue;
        bool destinationOk = false, maskOk = false;
        const quint32 destination = ntohl(quint32(fields.at(1).toUInt(&destinationOk, 16)));
        const quint32 mask = ntohl(quint32(fields.at(7).toUInt(&maskOk, 16)));
        if (!destinationOk || !maskOk || mask == 0)
            continue; // a default route overlaps everything and decides nothing here
        if (overlaps(network, prefix, destination, prefixOf(mask)))
            return inUse(u"%1/%2 overlaps the route to %3/%4 via %5"_s.arg(dotted(network))
                             .arg(prefix)
                             .arg(dotted(destination))
                             .arg(prefixOf(mask))
                             .arg(QString::fromLatin1(fields.at(0))));
    }
    return std::nullopt;
}

} // namespace

bool deleteLink(int ifindex, const QByteArray& name)
{
    char current[IF_NAMESIZE] = {};
    if (ifindex <= 0 || !if_indextoname(unsigned(ifindex), current) || name != QByteArray(current))
        return true; // gone already, or the index now names another device: not ours to delete
    const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return false;
    struct {
        nlmsghdr header;
        ifinfomsg link;
    } request {};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    request.header.nlmsg_type = RTM_DELLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    request.link.ifi_family = AF_UNSPEC;
    request.link.ifi_index = ifindex;
    bool deleted = send(fd, &request, request.header.nlmsg_len, 0) == ssize_t(request.header.nlmsg_len);
    char answer[512];
    const ssize_t received = deleted ? recv(fd, answer, sizeof(answer), 0) : -1;
    if (received >= ssize_t(NLMSG_LENGTH(sizeof(nlmsgerr)))) {
        const auto* header = reinterpret_cast<const nlmsghdr*>(answer);
        const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
        deleted = header->nlmsg_type == NLMSG_ERROR && (error->error == 0 || error->error == -ENODEV);
    } else {
        deleted = false;
    }
    ::close(fd);
    return deleted;
}

int removeStaleTunDevices()
{
    static const QRegularExpression ours(QRegularExpression::anchoredPattern(u"pvc[0-9]+"_s));
    int removed = 0;
    struct if_nameindex* names = if_nameindex();
    for (struct if_nameindex* entry = names; entry && entry->if_index != 0; ++entry) {
        const QByteArray name(entry->if_name);
        struct stat tunFlags { };
        const bool isTun = stat(("/sys/class/net/" + name + "/tun_flags").constData(), &tunFlags) == 0;
        if (isTun && ours.match(QString::fromLatin1(name)).hasMatch() && deleteLink(int(entry->if_index), name))
            ++removed;
    }
    if_freenameindex(names);
    return removed;
}

std::optional<Refusal> checkAddressConflicts(const TunRequest& tun)
{
    const quint32 network = tun.address & (~quint32(0) << (32 - tun.prefix));
    ifaddrs* addresses = nullptr;
    if (getifaddrs(&addresses) != 0)
        return Refusal { u"helper.tun_failed"_s, u"cannot list the interfaces' addresses"_s };
    std::optional<Refusal> conflict;
    for (const ifaddrs* entry = addresses; entry && !conflict; entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET || !entry->ifa_netmask)
            continue;
        const quint32 address = ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr.s_addr);
        const int prefix = prefixOf(ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask)->sin_addr.s_addr));
        if (overlaps(network, tun.prefix, address, prefix))
            conflict = inUse(u"%1/%2 overlaps %3/%4 on %5"_s.arg(dotted(network))
                                 .arg(tun.prefix)
                                 .arg(dotted(address))
                                 .arg(prefix)
                                 .arg(QString::fromLocal8Bit(entry->ifa_name)));
    }
    freeifaddrs(addresses);
    return conflict ? conflict : checkRoutes(network, tun.prefix);
}

} // namespace pvc::helper
