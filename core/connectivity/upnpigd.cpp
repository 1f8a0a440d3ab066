#include "connectivity/upnpigd.h"

#include <QByteArray>
#include <cstring>
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

namespace pvc::core {

namespace {

constexpr unsigned char SsdpTtl = 2; // miniupnpc's default: the IGD is on our LAN

QByteArray portText(quint16 port)
{
    return QByteArray::number(port);
}

class MiniupnpcIgd final : public UpnpIgd {
public:
    MiniupnpcIgd() { clear(); }
    ~MiniupnpcIgd() override { release(); }
    MiniupnpcIgd(const MiniupnpcIgd&) = delete;
    MiniupnpcIgd& operator=(const MiniupnpcIgd&) = delete;

    Result<QHostAddress> discover(int timeoutMs) override
    {
        release();
        // upnpDiscover() waits timeoutMs for each of these search targets in turn when nothing answers;
        // searching for all of them at once bounds discovery to one timeoutMs (UPnP Device Architecture
        // 1.1 section 1.3.2: M-SEARCH with MX = timeoutMs / 1000).
        static const char* const searchTargets[]
            = { "urn:schemas-upnp-org:device:InternetGatewayDevice:1", "urn:schemas-upnp-org:service:WANIPConnection:1",
                  "urn:schemas-upnp-org:service:WANPPPConnection:1", "upnp:rootdevice", nullptr };
        int error = 0;
        UPNPDev* devices = upnpDiscoverDevices(
            searchTargets, timeoutMs, nullptr, nullptr, UPNP_LOCAL_PORT_ANY, 0, SsdpTtl, &error, 1);
        if (!devices)
            return makeError("upnp.no_igd",
                error == UPNPDISCOVER_SUCCESS
                    ? QStringLiteral("no UPnP device answered SSDP within %1 ms").arg(timeoutMs)
                    : QStringLiteral("SSDP discovery failed (miniupnpc error %1)").arg(error));
        char lanAddress[64] = {};
        const int found = UPNP_GetValidIGD(devices, &m_urls, &m_data, lanAddress, sizeof(lanAddress));
        freeUPNPDevlist(devices);
        // 1: a connected IGD. 2: an IGD that says it is not connected, which miniupnpc also reports for
        // an IGD whose WAN address is private or reserved; miniupnpd says so in the lab (198.18.0.0/15)
        // and behind double NAT. Its mappings work all the same, so both are accepted.
        if (found == 1 || found == 2) {
            m_valid = true;
            const QHostAddress address(QString::fromLatin1(lanAddress));
            if (address.protocol() != QAbstractSocket::IPv4Protocol) {
                const QString url = QString::fromLatin1(m_urls.controlURL ? m_urls.controlURL : "");
                release();
                return makeError(
                    "upnp.not_an_igd", QStringLiteral("the IGD at %1 gave no usable LAN address").arg(url));
            }
            return address;
        }
        if (found != 0)
            FreeUPNPUrls(&m_urls);
        clear();
        if (found == 0)
            return makeError("upnp.no_igd", QStringLiteral("UPnP devices answered, but none is an IGD"));
        return makeError("upnp.not_an_igd", QStringLiteral("a UPnP device answered, but it is not a usable IGD"));
    }

    int externalAddress(QHostAddress* address) override
    {
        if (!m_valid)
            return UPNPCOMMAND_INVALID_ARGS;
        char text[40] = {};
        const int code = UPNP_GetExternalIPAddress(m_urls.controlURL, m_data.first.servicetype, text);
        if (code == UPNPCOMMAND_SUCCESS)
            *address = QHostAddress(QString::fromLatin1(text));
        return code;
    }

    int addPortMapping(quint16 externalPort, const QHostAddress& client, quint16 internalPort,
        const QString& description, int leaseSeconds) override
    {
        if (!m_valid)
            return UPNPCOMMAND_INVALID_ARGS;
        return UPNP_AddPortMapping(m_urls.controlURL, m_data.first.servicetype, portText(externalPort).constData(),
            portText(internalPort).constData(), client.toString().toLatin1().constData(),
            description.toUtf8().constData(), "UDP", nullptr, QByteArray::number(leaseSeconds).constData());
    }

    int addAnyPortMapping(quint16 externalPort, const QHostAddress& client, quint16 internalPort,
        const QString& description, int leaseSeconds, quint16* reservedPort) override
    {
        if (!m_valid)
            return UPNPCOMMAND_INVALID_ARGS;
        char reserved[8] = {};
        const int code = UPNP_AddAnyPortMapping(m_urls.controlURL, m_data.first.servicetype,
            portText(externalPort).constData(), portText(internalPort).constData(),
            client.toString().toLatin1().constData(), description.toUtf8().constData(), "UDP", nullptr,
            QByteArray::number(leaseSeconds).constData(), reserved);
        if (code != UPNPCOMMAND_SUCCESS)
            return code;
        bool ok = false;
        const uint port = QByteArray(reserved).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return UPNPCOMMAND_INVALID_RESPONSE;
        *reservedPort = quint16(port);
        return code;
    }

    int deletePortMapping(quint16 externalPort, const QString& protocol) override
    {
        if (!m_valid)
            return UPNPCOMMAND_INVALID_ARGS;
        return UPNP_DeletePortMapping(m_urls.controlURL, m_data.first.servicetype, portText(externalPort).constData(),
            protocol.toLatin1().constData(), nullptr);
    }

    int specificEntry(quint16 externalPort, const QString& protocol, Entry* entry) override
    {
        if (!m_valid)
            return UPNPCOMMAND_INVALID_ARGS;
        // Buffer sizes as upnpcommands.h documents them, with room to spare.
        char client[40] = {}, internalPort[8] = {}, description[96] = {}, enabled[8] = {}, lease[24] = {};
        const int code = UPNP_GetSpecificPortMappingEntry(m_urls.controlURL, m_data.first.servicetype,
            portText(externalPort).constData(), protocol.toLatin1().constData(), nullptr, client, internalPort,
            description, enabled, lease);
        if (code != UPNPCOMMAND_SUCCESS)
            return code;
        entry->externalPort = externalPort;
        entry->protocol = protocol;
        entry->internalClient = QHostAddress(QString::fromLatin1(client));
        entry->internalPort = quint16(QByteArray(internalPort).toUInt());
        entry->description = QString::fromUtf8(description);
        entry->leaseSeconds = QByteArray(lease).toInt();
        return code;
    }

    int genericEntry(int index, Entry* entry) override
    {
        if (!m_valid)
            return UPNPCOMMAND_INVALID_ARGS;
        char externalPort[8] = {}, client[40] = {}, internalPort[8] = {}, protocol[8] = {}, description[96] = {},
             enabled[8] = {}, remoteHost[72] = {}, lease[24] = {};
        const int code = UPNP_GetGenericPortMappingEntry(m_urls.controlURL, m_data.first.servicetype,
            QByteArray::number(index).constData(), externalPort, client, internalPort, protocol, description, enabled,
            remoteHost, lease);
        if (code != UPNPCOMMAND_SUCCESS)
            return code;
        entry->externalPort = quint16(QByteArray(externalPort).toUInt());
        entry->protocol = QString::fromLatin1(protocol).toUpper();
        entry->internalClient = QHostAddress(QString::fromLatin1(client));
        entry->internalPort = quint16(QByteArray(internalPort).toUInt());
        entry->description = QString::fromUtf8(description);
        entry->leaseSeconds = QByteArray(lease).toInt();
        return code;
    }

private:
    void clear()
    {
        std::memset(&m_urls, 0, sizeof(m_urls));
        std::memset(&m_data, 0, sizeof(m_data));
        m_valid = false;
    }

    void release()
    {
        if (m_valid)
            FreeUPNPUrls(&m_urls);
        clear();
    }

    UPNPUrls m_urls;
    IGDdatas m_data;
    bool m_valid = false;
};

} // namespace

QString UpnpIgd::describe(int code)
{
    if (code == UPNPCOMMAND_HTTP_ERROR)
        return QStringLiteral("%1 (the IGD did not answer over HTTP)").arg(code);
    const char* text = strupnperror(code);
    return text ? QStringLiteral("%1 %2").arg(code).arg(QString::fromLatin1(text)) : QString::number(code);
}

std::unique_ptr<UpnpIgd> UpnpIgd::create()
{
    return std::make_unique<MiniupnpcIgd>();
}

} // namespace pvc::core
