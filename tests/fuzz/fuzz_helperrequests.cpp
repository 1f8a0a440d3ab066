// Fuzz target for pvc-helper's request checks (helper/validation.h): the TUN, DNS, close and Traversing-TCP
// port fields of every request reach these before anything touches the system, as root. Whatever is
// accepted must be what docs/helper.md allows.
#include "validation.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_helperrequests: invariant broken: %s\n", what);
        std::abort();
    }
}

bool inClassE(quint32 address)
{
    return (address & 0xF0000000) == 0xF0000000 && address != 0xFFFFFFFF;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 4096) // the helper's frame limit
        return 0;
    const QJsonObject request
        = QJsonDocument::fromJson(QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size)))
              .object();
    static const QRegularExpression name(QRegularExpression::anchoredPattern(QStringLiteral("pvc(0|[1-9][0-9]{0,2})")));
    pvc::helper::TunRequest tun;
    if (!pvc::helper::parseTunRequest(request, &tun)) {
        require(name.match(tun.name).hasMatch(), "a TUN name outside pvc0..pvc999");
        require(inClassE(tun.address), "a TUN address outside 240.0.0.0/4");
        require(tun.prefix >= 4 && tun.prefix <= 30, "a prefix outside 4..30");
        require(tun.mtu >= 1280 && tun.mtu <= 9000, "an MTU outside 1280..9000");
        const quint32 mask = ~quint32(0) << (32 - tun.prefix);
        require(tun.address != (tun.address & mask) && tun.address != ((tun.address & mask) | ~mask),
            "the network or broadcast address as the TUN address");
    }
    quint32 dns = 0;
    if (!pvc::helper::parseDnsRequest(request, &dns))
        require(inClassE(dns), "a DNS address outside 240.0.0.0/4");
    QString closing;
    if (!pvc::helper::parseName(request, &closing))
        require(name.match(closing).hasMatch(), "a close name outside pvc0..pvc999");
    quint16 port = 0;
    if (!pvc::helper::parseTcpPort(request, &port))
        require(port >= 1024, "a privileged Traversing-TCP port");
    pvc::helper::CaptureRequest capture;
    if (!pvc::helper::parseCaptureRequest(request, &capture)) {
        require(capture.port >= 1024 && capture.toPort >= 1, "a capture port out of range");
        const quint32 first = capture.to >> 24;
        require(first != 0 && first != 127 && first < 224, "a capture of a loopback or special destination");
    }
    return 0;
}
