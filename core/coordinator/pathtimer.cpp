#include "coordinator/pathtimer.h"

#include "connectivity/birthdayprober.h"
#include "coordinator/peertunnel.h"
#include "coordinator/tunnelpathsutil.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

namespace {
constexpr int PathTimerMs = 250;
} // namespace

PathTimer::PathTimer(const Tunnels& tunnels)
    : m_tunnels(tunnels)
{
    m_timer.setInterval(PathTimerMs);
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { choosePaths(); });
}

void PathTimer::start(DataPlane* dataPlane, BirthdayProber* birthday)
{
    m_dataPlane = dataPlane;
    m_birthday = birthday;
    m_timer.start();
}

void PathTimer::stop()
{
    m_timer.stop();
    m_dataPlane = nullptr;
    m_birthday = nullptr;
}

void PathTimer::choosePaths()
{
    if (!m_dataPlane)
        return;
    const DataPlaneStats stats = m_dataPlane->stats();
    const qint64 now = tunnelpaths::nowMs();
    for (const auto& tunnel : std::as_const(m_tunnels)) {
        if (!tunnel->isAdded())
            continue;
        for (const PeerStats& peer : stats.peers)
            if (peer.localIndex == tunnel->localIndex())
                tunnel->choosePath(peer, now);
    }
    runBirthday(now);
}

void PathTimer::runBirthday(qint64 now)
{
    const QString started = m_birthday->tick(now, [this](const QString& name) -> std::optional<BirthdayProber::Peer> {
        const auto it = m_tunnels.constFind(name);
        return it == m_tunnels.cend() ? std::nullopt : std::optional((*it)->birthdayPeer());
    });
    if (const auto it = m_tunnels.constFind(started); !started.isEmpty() && it != m_tunnels.cend())
        (*it)->askForSpray();
}

} // namespace pvc::core
