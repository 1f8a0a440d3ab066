#include "connectivity/upnpmapper.h"

#include "connectivity/upnpigd.h"

#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QRandomGenerator>
#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace pvc::core {

namespace {

Q_LOGGING_CATEGORY(lcUpnp, "pvc.upnp", QtInfoMsg)

using Clock = std::chrono::steady_clock;

const QString Udp = QStringLiteral("UDP");
// stop() waits this long for the worker to delete the mapping; a router that does not answer by then
// gets to expire the lease on its own.
constexpr auto StopTimeout = std::chrono::seconds(4);
constexpr int MaxDescriptionLength = 60;
constexpr int MaxTableRows = 1024; // bounds the walk over a router that never says "end of table"
constexpr int RandomPortTries = 8;

// miniupnpc puts the description into the SOAP body without XML escaping, and routers keep short
// ASCII descriptions, so only plain characters go in.
QString plainDescription(const QString& description)
{
    QString plain;
    for (const QChar c : description) {
        const char16_t u = c.unicode();
        const bool keep = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u' '
            || u == u'.' || u == u'_' || u == u'-';
        plain += keep ? c : QLatin1Char('_');
    }
    return plain.left(MaxDescriptionLength);
}

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

struct UpnpMapper::Shared {
    std::mutex mutex;
    std::condition_variable wake;
    UpnpMapper* owner = nullptr; // cleared when stop() begins: nothing is posted to the owner after that
    bool stopRequested = false;
    bool finished = false;
};

struct UpnpMapper::Report {
    quint64 generation = 0;
    State state = State::Off;
    std::optional<Mapping> mapping;
    QString error;
    QString detail;
};

// Runs on its own thread and owns the IGD connection; it shares only Shared with the mapper.
class UpnpMapper::Worker {
public:
    Worker(std::shared_ptr<Shared> shared, quint64 generation, QString description, quint16 internalPort, Tuning tuning)
        : m_shared(std::move(shared))
        , m_generation(generation)
        , m_description(std::move(description))
        , m_internalPort(internalPort)
        , m_tuning(std::move(tuning))
    {
    }

    void run();

private:
    enum class Health { Held, Lost, Unreachable };

    bool stopRequested();
    // False when stop() asked the worker to finish.
    bool sleepUntil(Clock::time_point until);
    bool sleepAfterFailure();
    void report(State state, const Error& error = {});
    bool discover();
    void reclaimStale();
    bool map(quint16 preferredPort, Error* error);
    Health check();
    void release();

    std::shared_ptr<Shared> m_shared;
    const quint64 m_generation;
    const QString m_description;
    const quint16 m_internalPort;
    const Tuning m_tuning;
    std::unique_ptr<UpnpIgd> m_igd;
    QHostAddress m_lanAddress;
    std::optional<Mapping> m_mapping;
    bool m_permanentOnly = false;
    int m_failures = 0;
};

void UpnpMapper::Worker::run()
{
    m_igd = m_tuning.makeIgd ? m_tuning.makeIgd() : UpnpIgd::create();
    bool connected = false;
    quint16 preferredPort = m_internalPort;
    Clock::time_point renewAt = Clock::time_point::max();
    while (!stopRequested()) {
        if (!connected) {
            if (!discover()) {
                if (!sleepAfterFailure())
                    break;
                continue;
            }
            connected = true;
            reclaimStale();
            continue; // see whether stop() came meanwhile
        }
        if (!m_mapping) {
            Error error;
            if (!map(preferredPort, &error)) {
                qCWarning(lcUpnp, "%s: %s", qPrintable(error.code), qPrintable(error.detail));
                const bool unreachable = error.code == QStringLiteral("upnp.igd_unreachable");
                report(unreachable ? State::Unavailable : State::Failed, error);
                connected = false; // the router may have changed: discover it again after the pause
                if (!sleepAfterFailure())
                    break;
                continue;
            }
            m_failures = 0;
            // Peers may know the external port already: after a loss, ask for the same one first.
            preferredPort = m_mapping->externalPort;
            renewAt = m_mapping->leaseSeconds > 0
                ? Clock::now() + std::chrono::milliseconds(qint64(m_mapping->leaseSeconds) * 1000 / 2)
                : Clock::time_point::max();
            report(State::Mapped);
        } else if (Clock::now() >= renewAt) {
            // WANIPConnection: adding a mapping the client already holds updates its lease.
            const int code = m_igd->addPortMapping(
                m_mapping->externalPort, m_lanAddress, m_internalPort, m_description, m_mapping->leaseSeconds);
            if (code == 0) {
                qCDebug(lcUpnp, "renewed UDP %d for %d s", m_mapping->externalPort, m_mapping->leaseSeconds);
                renewAt = Clock::now() + std::chrono::milliseconds(qint64(m_mapping->leaseSeconds) * 1000 / 2);
            } else {
                qCInfo(lcUpnp, "renewing UDP %d failed: %s; mapping again", m_mapping->externalPort,
                    qPrintable(UpnpIgd::describe(code)));
                m_mapping.reset();
                connected = code > 0;
                continue;
            }
        } else {
            const Health health = check();
            if (health == Health::Lost) {
                qCInfo(lcUpnp, "the router lost our mapping of UDP %d; mapping again", m_mapping->externalPort);
                m_mapping.reset();
                continue;
            }
            if (health == Health::Unreachable) {
                qCInfo(lcUpnp, "the IGD stopped answering; looking for it again");
                m_mapping.reset();
                connected = false;
                report(
                    State::Unavailable, makeError("upnp.igd_unreachable", QStringLiteral("the IGD stopped answering")));
                if (!sleepAfterFailure())
                    break;
                continue;
            }
        }
        if (!sleepUntil(std::min(renewAt, Clock::now() + m_tuning.checkInterval)))
            break;
    }
    release();
    std::lock_guard lock(m_shared->mutex);
    m_shared->finished = true;
    m_shared->wake.notify_all();
}

bool UpnpMapper::Worker::stopRequested()
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->stopRequested;
}

bool UpnpMapper::Worker::sleepUntil(Clock::time_point until)
{
    std::unique_lock lock(m_shared->mutex);
    return !m_shared->wake.wait_until(lock, until, [this] { return m_shared->stopRequested; });
}

bool UpnpMapper::Worker::sleepAfterFailure()
{
    const int doublings = std::min(m_failures++, 16);
    const auto pause = std::min<std::chrono::milliseconds>(m_tuning.firstRetry * (1 << doublings), m_tuning.lastRetry);
    return sleepUntil(Clock::now() + pause);
}

void UpnpMapper::Worker::report(State state, const Error& error)
{
    Report report { m_generation, state, state == State::Mapped ? m_mapping : std::nullopt, error.code, error.detail };
    std::lock_guard lock(m_shared->mutex);
    if (UpnpMapper* owner = m_shared->owner)
        QMetaObject::invokeMethod(
            owner, [owner, report] { owner->handleReport(report); }, Qt::QueuedConnection);
}

bool UpnpMapper::Worker::discover()
{
    report(State::Discovering);
    const Result<QHostAddress> lan = m_igd->discover(m_tuning.discoveryTimeoutMs);
    if (!lan) {
        qCInfo(lcUpnp, "%s: %s", qPrintable(lan.error().code), qPrintable(lan.error().detail));
        report(State::Unavailable, lan.error());
        return false;
    }
    m_lanAddress = *lan;
    qCInfo(lcUpnp, "found an IGD; our LAN address is %s", qPrintable(m_lanAddress.toString()));
    return true;
}

// A pvcd that was killed could not delete its mapping, and a new one would be refused its port (or
// leave two). Mappings with our description to one of our addresses are ours from an earlier run.
void UpnpMapper::Worker::reclaimStale()
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

bool UpnpMapper::Worker::map(quint16 preferredPort, Error* error)
{
    int lease = m_permanentOnly ? 0 : m_tuning.requestedLeaseSeconds;
    quint16 external = preferredPort;
    int code = m_igd->addPortMapping(external, m_lanAddress, m_internalPort, m_description, lease);
    if (code == UpnpIgd::OnlyPermanentLeasesSupported && lease != 0) {
        m_permanentOnly = true;
        lease = 0;
        code = m_igd->addPortMapping(external, m_lanAddress, m_internalPort, m_description, lease);
    }
    if (code == UpnpIgd::ConflictInMappingEntry) {
        quint16 reserved = 0;
        code = m_igd->addAnyPortMapping(external, m_lanAddress, m_internalPort, m_description, lease, &reserved);
        if (code == 0) {
            external = reserved;
        } else if (code > 0) {
            // An IGD 1.0 has no AddAnyPortMapping: look for a free port ourselves.
            code = UpnpIgd::ConflictInMappingEntry;
            for (int i = 0; i < RandomPortTries && code == UpnpIgd::ConflictInMappingEntry; ++i) {
                external = quint16(QRandomGenerator::global()->bounded(20000, 60000));
                code = m_igd->addPortMapping(external, m_lanAddress, m_internalPort, m_description, lease);
            }
        }
    }
    if (code != 0) {
        *error = makeError(code < 0 ? "upnp.igd_unreachable" : "upnp.mapping_refused",
            QStringLiteral("mapping UDP %1 to %2 failed: %3")
                .arg(external)
                .arg(endpoint(m_lanAddress, m_internalPort), UpnpIgd::describe(code)));
        return false;
    }

    QHostAddress externalAddress;
    code = m_igd->externalAddress(&externalAddress);
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

    m_mapping = Mapping { externalAddress, external, m_internalPort, m_lanAddress, granted };
    qCInfo(lcUpnp, "mapped UDP %s -> %s, lease %d s", qPrintable(endpoint(externalAddress, external)),
        qPrintable(endpoint(m_lanAddress, m_internalPort)), granted);
    return true;
}

UpnpMapper::Worker::Health UpnpMapper::Worker::check()
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

void UpnpMapper::Worker::release()
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

UpnpMapper::UpnpMapper(const QString& description, QObject* parent)
    : UpnpMapper(description, Tuning {}, parent)
{
}

UpnpMapper::UpnpMapper(const QString& description, Tuning tuning, QObject* parent)
    : QObject(parent)
    , m_description(plainDescription(description))
    , m_tuning(std::move(tuning))
{
}

UpnpMapper::~UpnpMapper()
{
    shutDown(false);
}

void UpnpMapper::start(quint16 internalUdpPort)
{
    shutDown(true);
    if (internalUdpPort == 0) {
        m_state = State::Failed;
        m_error = QStringLiteral("upnp.bad_port");
        m_detail = QStringLiteral("there is no UDP port to map");
        return;
    }
    m_shared = std::make_shared<Shared>();
    m_shared->owner = this;
    m_state = State::Discovering;
    m_thread = std::thread([worker = std::make_shared<Worker>(m_shared, ++m_generation, m_description, internalUdpPort,
                                m_tuning)] { worker->run(); });
}

void UpnpMapper::stop()
{
    shutDown(true);
}

void UpnpMapper::shutDown(bool notify)
{
    if (m_shared) {
        {
            std::lock_guard lock(m_shared->mutex);
            m_shared->owner = nullptr;
            m_shared->stopRequested = true;
        }
        m_shared->wake.notify_all();
        bool finished = false;
        {
            std::unique_lock lock(m_shared->mutex);
            finished = m_shared->wake.wait_for(lock, StopTimeout, [this] { return m_shared->finished; });
        }
        if (finished) {
            m_thread.join();
        } else {
            qCWarning(lcUpnp, "the IGD did not answer within %lld s; the lease will expire on its own",
                qint64(std::chrono::seconds(StopTimeout).count()));
            m_thread.detach();
        }
        m_shared.reset();
    }
    ++m_generation; // reports already queued by the old worker are ignored
    const bool hadMapping = m_mapping.has_value();
    m_state = State::Off;
    m_mapping.reset();
    m_error.clear();
    m_detail.clear();
    if (notify && hadMapping)
        Q_EMIT mappingChanged();
}

void UpnpMapper::handleReport(const Report& report)
{
    if (report.generation != m_generation)
        return;
    const bool changed = m_mapping.has_value() != report.mapping.has_value()
        || (m_mapping
            && (m_mapping->externalAddress != report.mapping->externalAddress
                || m_mapping->externalPort != report.mapping->externalPort));
    m_state = report.state;
    m_mapping = report.mapping;
    m_error = report.error;
    m_detail = report.detail;
    if (changed)
        Q_EMIT mappingChanged();
}

QJsonObject UpnpMapper::statusJson() const
{
    static const char* const names[] = { "off", "discovering", "mapped", "unavailable", "failed" };
    QJsonObject status {
        { QStringLiteral("state"), QLatin1String(names[int(m_state)]) },
        { QStringLiteral("external"),
            m_mapping ? endpoint(m_mapping->externalAddress, m_mapping->externalPort) : QString() },
        { QStringLiteral("lease_s"), m_mapping ? m_mapping->leaseSeconds : 0 },
        { QStringLiteral("error"), m_error },
    };
    if (!m_detail.isEmpty())
        status.insert(QStringLiteral("detail"), m_detail);
    return status;
}

} // namespace pvc::core

// Moc output compiled here rather than in the library's shared mocs_compilation.cpp, so that a binary
// that uses one class of this module does not pull in the others (and their libraries).
#include "moc_upnpmapper.cpp"
