#include "connectivity/upnpworker.h"

#include "connectivity/upnpigd.h"
#include "connectivity/upnpportmapping.h"

#include <algorithm>

namespace pvc::core {

UpnpWorker::UpnpWorker(std::shared_ptr<UpnpWorkerLink> link, quint64 generation, QString description,
    quint16 internalPort, UpnpMapper::Tuning tuning)
    : m_link(std::move(link))
    , m_generation(generation)
    , m_description(std::move(description))
    , m_internalPort(internalPort)
    , m_tuning(std::move(tuning))
    , m_preferredPort(internalPort)
{
}

UpnpWorker::~UpnpWorker() = default;

void UpnpWorker::run()
{
    m_mapping = std::make_unique<UpnpPortMapping>(m_tuning.makeIgd ? m_tuning.makeIgd() : UpnpIgd::create(),
        m_description, m_internalPort, m_tuning.requestedLeaseSeconds);
    while (!stopRequested()) {
        Next next = Next::Wait;
        if (!m_connected)
            next = connect();
        else if (!m_mapping->mapping())
            next = map();
        else if (Clock::now() >= m_renewAt)
            next = renew();
        else
            next = check();
        if (next == Next::Again)
            continue; // see whether stop() came meanwhile
        const bool awake = next == Next::Pause ? sleepAfterFailure()
                                               : sleepUntil(std::min(m_renewAt, Clock::now() + m_tuning.checkInterval));
        if (!awake)
            break;
    }
    m_mapping->release();
    std::lock_guard lock(m_link->mutex);
    m_link->finished = true;
    m_link->wake.notify_all();
}

UpnpWorker::Next UpnpWorker::connect()
{
    report(State::Discovering);
    const Result<QHostAddress> lan = m_mapping->discover(m_tuning.discoveryTimeoutMs);
    if (!lan) {
        report(State::Unavailable, lan.error());
        return Next::Pause;
    }
    m_connected = true;
    m_mapping->reclaimStale();
    return Next::Again;
}

UpnpWorker::Next UpnpWorker::map()
{
    Error error;
    if (!m_mapping->map(m_preferredPort, &error)) {
        qCWarning(lcUpnp, "%s: %s", qPrintable(error.code), qPrintable(error.detail));
        const bool unreachable = error.code == QStringLiteral("upnp.igd_unreachable");
        report(unreachable ? State::Unavailable : State::Failed, error);
        m_connected = false; // the router may have changed: discover it again after the pause
        return Next::Pause;
    }
    m_failures = 0;
    // Peers may know the external port already: after a loss, ask for the same one first.
    const UpnpMapper::Mapping& mapping = *m_mapping->mapping();
    m_preferredPort = mapping.externalPort;
    m_renewAt = mapping.leaseSeconds > 0
        ? Clock::now() + std::chrono::milliseconds(qint64(mapping.leaseSeconds) * 1000 / 2)
        : Clock::time_point::max();
    report(State::Mapped);
    return Next::Wait;
}

UpnpWorker::Next UpnpWorker::renew()
{
    const int leaseSeconds = m_mapping->mapping()->leaseSeconds;
    const int code = m_mapping->renew();
    if (code != 0) {
        m_connected = code > 0; // a refusal: map again at once; no answer: discover again
        return Next::Again;
    }
    m_renewAt = Clock::now() + std::chrono::milliseconds(qint64(leaseSeconds) * 1000 / 2);
    return Next::Wait;
}

UpnpWorker::Next UpnpWorker::check()
{
    const quint16 externalPort = m_mapping->mapping()->externalPort;
    switch (m_mapping->check()) {
    case UpnpPortMapping::Health::Held:
        return Next::Wait;
    case UpnpPortMapping::Health::Lost:
        qCInfo(lcUpnp, "the router lost our mapping of UDP %d; mapping again", externalPort);
        m_mapping->forget();
        return Next::Again;
    case UpnpPortMapping::Health::Unreachable:
        break;
    }
    qCInfo(lcUpnp, "the IGD stopped answering; looking for it again");
    m_mapping->forget();
    m_connected = false;
    report(State::Unavailable, makeError("upnp.igd_unreachable", QStringLiteral("the IGD stopped answering")));
    return Next::Pause;
}

bool UpnpWorker::stopRequested()
{
    std::lock_guard lock(m_link->mutex);
    return m_link->stopRequested;
}

bool UpnpWorker::sleepUntil(Clock::time_point until)
{
    std::unique_lock lock(m_link->mutex);
    return !m_link->wake.wait_until(lock, until, [this] { return m_link->stopRequested; });
}

bool UpnpWorker::sleepAfterFailure()
{
    const int doublings = std::min(m_failures++, 16);
    const auto pause = std::min<std::chrono::milliseconds>(m_tuning.firstRetry * (1 << doublings), m_tuning.lastRetry);
    return sleepUntil(Clock::now() + pause);
}

void UpnpWorker::report(State state, const Error& error)
{
    UpnpMapper::Report report { m_generation, state, state == State::Mapped ? m_mapping->mapping() : std::nullopt,
        error.code, error.detail };
    std::lock_guard lock(m_link->mutex);
    if (UpnpMapper* owner = m_link->owner)
        QMetaObject::invokeMethod(
            owner, [owner, report] { owner->handleReport(report); }, Qt::QueuedConnection);
}

} // namespace pvc::core
