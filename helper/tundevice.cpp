#include "tundevice.h"

#include "netdevices.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace pvc::helper {

namespace {

// Closes the fd on every early return.
struct Fd {
    int fd;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

int fail(const char* step, QString* error)
{
    *error = QStringLiteral("%1: %2").arg(QLatin1String(step), QString::fromLocal8Bit(strerror(errno)));
    return -1;
}

void setInet(sockaddr* field, quint32 address)
{
    sockaddr_in in {};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(address);
    memcpy(field, &in, sizeof(in));
}

int configure(const TunRequest& tun, const QByteArray& name, QString* error)
{
    Fd control { socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
    if (control.fd < 0)
        return fail("socket", error);
    ifreq ifr {};
    memcpy(ifr.ifr_name, name.constData(), size_t(name.size()));
    setInet(&ifr.ifr_addr, tun.address);
    if (ioctl(control.fd, SIOCSIFADDR, &ifr) != 0)
        return fail("SIOCSIFADDR", error);
    setInet(&ifr.ifr_netmask, ~quint32(0) << (32 - tun.prefix));
    if (ioctl(control.fd, SIOCSIFNETMASK, &ifr) != 0)
        return fail("SIOCSIFNETMASK", error);
    ifr.ifr_mtu = tun.mtu;
    if (ioctl(control.fd, SIOCSIFMTU, &ifr) != 0)
        return fail("SIOCSIFMTU", error);
    if (ioctl(control.fd, SIOCGIFFLAGS, &ifr) != 0)
        return fail("SIOCGIFFLAGS", error);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(control.fd, SIOCSIFFLAGS, &ifr) != 0)
        return fail("SIOCSIFFLAGS", error);
    return 0;
}

} // namespace

int openTun(const TunRequest& tun, int* ifindex, QString* error)
{
    const QByteArray name = tun.name.toLatin1(); // validated: "pvc" and 1-3 digits
    // TUNSETIFF would attach to an existing (persistent) TUN of that name; we only make new ones.
    if (if_nametoindex(name.constData()) != 0) {
        *error = QStringLiteral("interface %1 already exists").arg(tun.name);
        return -1;
    }
    Fd device { open("/dev/net/tun", O_RDWR | O_CLOEXEC) };
    if (device.fd < 0)
        return fail("open /dev/net/tun", error);
    ifreq ifr {};
    // IFF_TUN_EXCL: the kernel refuses to attach to a device of that name made meanwhile (no race with
    // the check above).
    ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL); // 0x8000: the sign bit of the short
    memcpy(ifr.ifr_name, name.constData(), size_t(name.size()));
    if (ioctl(device.fd, TUNSETIFF, &ifr) != 0)
        return fail("TUNSETIFF", error);
    *ifindex = int(if_nametoindex(name.constData()));
    if (*ifindex == 0)
        return fail("if_nametoindex", error);
    if (configure(tun, name, error) != 0)
        return -1;
    return device.release();
}

void closeTun(int fd, int ifindex, const QByteArray& name)
{
    ioctl(fd, TUNSETPERSIST, 0);
    ::close(fd);
    deleteLink(ifindex, name);
}

int openDnsSocket(quint32 address, QString* error)
{
    Fd dns { socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
    if (dns.fd < 0)
        return fail("socket", error);
    // No SO_REUSEADDR: a second socket on the same address (another caller's DNS) is refused by bind.
    sockaddr_in local {};
    local.sin_family = AF_INET;
    local.sin_port = htons(53);
    local.sin_addr.s_addr = htonl(address);
    if (bind(dns.fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0)
        return fail("bind", error);
    return dns.release();
}

} // namespace pvc::helper
