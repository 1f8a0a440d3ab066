#include "connectivity/upnpmapper.h"

#include "connectivity/upnpportmapping.h"
#include "connectivity/upnpworker.h"

#include <thread>

namespace pvc::core {

namespace {

// stop() waits this long for the worker to delete the mapping; a router that does not answer by then
// gets to expire the lease on its own.
constexpr auto StopTimeout = std::chrono::seconds(4);
constexpr int MaxDescriptionLength = 60;

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

QString endpoint(const QHostAddress& address, quint16 port)
{
    return address.toString() + QLatin1Char(':') + QString::number(port);
}

} // namespace

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
    m_link = std::make_shared<UpnpWorkerLink>();
    m_link->owner = this;
    m_state = State::Discovering;
    m_thread = std::thread([worker = std::make_shared<UpnpWorker>(
                                m_link, ++m_generation, m_description, internalUdpPort, m_tuning)] { worker->run(); });
}

void UpnpMapper::stop()
{
    shutDown(true);
}

void UpnpMapper::shutDown(bool notify)
{
    if (m_link) {
        {
            std::lock_guard lock(m_link->mutex);
            m_link->owner = nullptr;
            m_link->stopRequested = true;
        }
        m_link->wake.notify_all();
        bool finished = false;
        {
            std::unique_lock lock(m_link->mutex);
            finished = m_link->wake.wait_for(lock, StopTimeout, [this] { return m_link->finished; });
        }
        if (finished) {
            m_thread.join();
        } else {
            qCWarning(lcUpnp, "the IGD did not answer within %lld s; the lease will expire on its own",
                qint64(std::chrono::seconds(StopTimeout).count()));
            m_thread.detach();
        }
        m_link.reset();
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
