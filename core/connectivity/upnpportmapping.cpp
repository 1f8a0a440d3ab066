#include "connectivity/upnpportmapping.h"

#include <QNetworkInterface>
#include <QRandomGenerator>

namespace pvc::core {

Q_LOGGING_CATEGORY(lcUpnp, "pvc.upnp", QtInfoMsg)

namespace {

const QString Udp = QStringLiteral("UDP");
constexpr int MaxTableRows = 1024; // bounds the walk over a router that never says "end of table"
constexpr int RandomPortTries = 8;

// A mapping on an IGD whose own WAN address is private is behind a second NAT, where it is no use to
// peers outside. The lab's 198.18.0.0/15 is reserved too, but is the lab's Internet: it is not listed.
bool isPrivate(const QHostAddress& address)
{
    // RFC 1918 private use (the /8, /12 and /16 blocks) and RFC 6598 shared carrier-grade NAT space,
    // by prefix: this only classifies what a router reports; nothing here sends to these ranges.
    const quint32 a = address.toIPv4Address();
    return (a >> 24) == 0x0A || (a >> 20) == 0xAC1 || (a >> 16) == 0xC0A8 || (a >> 22) == 0x191;
}

QString endpoint(const QHostAddress& address, quint16 port)
{
    return address.toString() + QLatin1Char(':') + QString::number(port);
}

} // namespace

UpnpPortMapping::UpnpPortMapping(
    std::unique_ptr<UpnpIgd> igd, QString description, quint16 internalPort, int requestedLeaseSeconds)
    : m_igd(std::move(igd))
    , m_description(std::move(description))
    , m_internalPort(internalPort)
    , m_requestedLease(requestedLeaseSeconds)
{
}

Result<QHostAddress> UpnpPortMapping::discover(int timeoutMs)
{
    const Result<QHostAddress> lan = m_igd->discover(timeoutMs);
    if (!lan) {
        qCInfo(lcUpnp, "%s: %s", qPrintable(lan.error().code), qPrintable(lan.error().detail));
        return lan;
    }
    m_lanAddress = *lan;
    qCInfo(lcUpnp, "found an IGD; our LAN address is %s", qPrintable(m_lanAddress.toString()));
    return lan;
}

// A pvcd that was killed could not delete its mapping, and a new one would be refused its port (or
// leave two). Mappings with our description to one of our addresses are ours from an earlier run.
void UpnpPortMapping::reclaimStale()
{
    QList<QHostAddress> ours = QNetworkInterface::allAddresses();
    ours << m_lanAddress;
    QList<UpnpIgd::Entry> stale;
    for (int index = 0; index < MaxTableRows; ++index) {
        UpnpIgd::Entry entry;
        const int code = m_igd->genericEntry(index, &entry);
        if (code != 0) {
            if (code != UpnpIgd::SpecifiedArrayIndexInvalid && code != UpnpIgd::NoSuchEntryInArray)
                qCInfo(lcUpnp, "listing the router's mappings stopped at row %d: %s", index,
                    qPrintable(UpnpIgd::describe(code)));
            break;
        }
        if (entry.description == m_description && ours.contains(entry.internalClient))
            stale << entry;
    }
    for (const UpnpIgd::Entry& entry : std::as_const(stale)) {
        const int code = m_igd->deletePortMapping(entry.externalPort, entry.protocol);
        qCInfo(lcUpnp, "removing the stale mapping %s %d -> %s: %s", qPrintable(entry.protocol), entry.externalPort,
            qPrintable(endpoint(entry.internalClient, entry.internalPort)),
            code == 0 ? "done" : qPrintable(UpnpIgd::describe(code)));
    }
}

bool UpnpPortMapping::map(quint16 preferredPort, Error* error)
{
    int lease = m_permanentOnly ? 0 : m_requestedLease;
    quint16 external = preferredPort;
    int code = m_igd->addPortMapping(external, m_lanAddress, m_internalPort, m_description, lease);
    if (code == UpnpIgd::OnlyPermanentLeasesSupported && lease != 0) {
        m_permanentOnly = true;
        lease = 0;
        code = m_igd->addPortMapping(external, m_lanAddress, m_internalPort, m_description, lease);
    }
    if (code == UpnpIgd::ConflictInMappingEntry)
        code = addElsewhere(&external, lease);
    if (code != 0) {
        *error = makeError(code < 0 ? "upnp.igd_unreachable" : "upnp.mapping_refused",
            QStringLiteral("mapping UDP %1 to %2 failed: %3")
                .arg(external)
                .arg(endpoint(m_lanAddress, m_internalPort), UpnpIgd::describe(code)));
        return false;
    }
    return complete(external, lease, error);
}

// The port asked for is taken: an IGD 2.0 picks a free one itself (AddAnyPortMapping); an IGD 1.0 has
// no such action, so look for a free port ourselves.
int UpnpPortMapping::addElsewhere(quint16* external, int lease)
{
    quint16 reserved = 0;
    int code = m_igd->addAnyPortMapping(*external, m_lanAddress, m_internalPort, m_description, lease, &reserved);
    if (code == 0) {
        *external = reserved;
    } else if (code > 0) {
        code = UpnpIgd::ConflictInMappingEntry;
        for (int i = 0; i < RandomPortTries && code == UpnpIgd::ConflictInMappingEntry; ++i) {
            *external = quint16(QRandomGenerator::global()->bounded(20000, 60000));
            code = m_igd->addPortMapping(*external, m_lanAddress, m_internalPort, m_description, lease);
        }
    }
    return code;
}

// The router holds the mapping: learn the external address and the lease it granted.
bool UpnpPortMapping::complete(quint16 external, int lease, Error* error)
{
    QHostAddress externalAddress;
    const int code = m_igd->externalAddress(&externalAddress);
    if (code != 0 || externalAddress.protocol() != QAbstractSocket::IPv4Protocol
        || externalAddress == QHostAddress::AnyIPv4) {
        m_igd->deletePortMapping(external, Udp);
        *error = makeError("upnp.no_external_address",
            code != 0 ? QStringLiteral("GetExternalIPAddress failed: %1").arg(UpnpIgd::describe(code))
                      : QStringLiteral("the IGD has no external IPv4 address"));
        return false;
    }
    if (isPrivate(externalAddress))
        qCWarning(lcUpnp, "the IGD's external address %s is private: another NAT is in front of it",
            qPrintable(externalAddress.toString()));

    // The router may grant a shorter lease than asked; what is left of it right after mapping tells.
    int granted = lease;
    UpnpIgd::Entry entry;
    if (lease > 0 && m_igd->specificEntry(external, Udp, &entry) == 0 && entry.leaseSeconds > 0
        && entry.leaseSeconds < lease)
        granted = entry.leaseSeconds;

    m_mapping = UpnpMapper::Mapping { externalAddress, external, m_internalPort, m_lanAddress, granted };
    qCInfo(lcUpnp, "mapped UDP %s -> %s, lease %d s", qPrintable(endpoint(externalAddress, external)),
        qPrintable(endpoint(m_lanAddress, m_internalPort)), granted);
    return true;
}

int UpnpPortMapping::renew()
{
    // WANIPConnection: adding a mapping the client already holds updates its lease.
    const int code = m_igd->addPortMapping(
        m_mapping->externalPort, m_lanAddress, m_internalPort, m_description, m_mapping->leaseSeconds);
    if (code == 0) {
        qCDebug(lcUpnp, "renewed UDP %d for %d s", m_mapping->externalPort, m_mapping->leaseSeconds);
        return code;
    }
    qCInfo(lcUpnp, "renewing UDP %d failed: %s; mapping again", m_mapping->externalPort,
        qPrintable(UpnpIgd::describe(code)));
    m_mapping.reset();
    return code;
}

UpnpPortMapping::Health UpnpPortMapping::check()
{
    UpnpIgd::Entry entry;
    const int code = m_igd->specificEntry(m_mapping->externalPort, Udp, &entry);
    if (code < 0)
        return Health::Unreachable;
    if (code == UpnpIgd::NoSuchEntryInArray)
        return Health::Lost;
    if (code != 0) // a router that cannot look mappings up: the renewal will tell
        return Health::Held;
    const bool ours = entry.internalClient == m_lanAddress && entry.internalPort == m_internalPort;
    return ours ? Health::Held : Health::Lost;
}

void UpnpPortMapping::release()
{
    if (!m_mapping)
        return;
    const int code = m_igd->deletePortMapping(m_mapping->externalPort, Udp);
    if (code == 0)
        qCInfo(lcUpnp, "deleted our mapping of UDP %d", m_mapping->externalPort);
    else
        qCWarning(lcUpnp, "deleting our mapping of UDP %d failed: %s", m_mapping->externalPort,
            qPrintable(UpnpIgd::describe(code)));
    m_mapping.reset();
}

} // namespace pvc::core
