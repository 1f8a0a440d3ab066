#include "coordinator/datawork.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "coordinator/controlapi.h"
#include "coordinator/enrolment.h"
#include "coordinator/peerdirectory.h"
#include "data/datasession.h"
#include "grid/ownercontrol.h"
#include "ipc/controlcommands.h"
#include "ipc/controlserver.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QTimer>
#include <algorithm>

namespace pvc::core {

DataWork::DataWork(const QString& stateDirectory, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_modules(modules)
    , m_session(new DataSession(stateDirectory + QStringLiteral("/data"), this))
    , m_waitCheck(new QTimer(this))
{
    m_waitCheck->setInterval(1000);
    connect(m_waitCheck, &QTimer::timeout, this, &DataWork::answerWaiting);
    connect(m_session, &DataSession::transferFinished, this, &DataWork::answerWaiting);
}

DataWork::~DataWork() = default;

void DataWork::start()
{
    connect(m_modules.enrolment, &Enrolment::becameMember, this, &DataWork::updateMember);
    connect(m_modules.enrolment, &Enrolment::membershipEnded, this, &DataWork::updateMember);
    connect(m_modules.owner, &OwnerControl::preferencesChanged, this, &DataWork::applyLimits);
    connect(m_modules.owner, &OwnerControl::stateChanged, this, &DataWork::applyLimits);
    addCommands();
    m_modules.control->addStatusPart(QStringLiteral("data"), [this] { return m_session->statusJson(); });
    updateMember();
}

void DataWork::updateMember()
{
    if (m_modules.enrolment->state() != Enrolment::State::Member) {
        m_session->stop();
        return;
    }
    if (m_session->isRunning())
        return;
    const auto started = m_session->start(QHostAddress(m_modules.enrolment->virtualIp()));
    if (!started)
        qCWarning(lcData) << "no BitTorrent session:" << started.error().detail;
    applyLimits();
}

void DataWork::applyLimits()
{
    const OwnerPreferences& preferences = m_modules.owner->preferences();
    m_session->setLimits(
        { preferences.uploadKiBps, preferences.downloadKiBps, qint64(preferences.cacheMb) * 1000 * 1000 });
    const bool paused = m_modules.owner->decision().state == PolicyDecision::State::Paused;
    m_session->setSeeding(!paused || preferences.seedWhenPaused);
}

// Authenticated members, in random order: some may already have the data, and peer exchange takes a minute.
QList<QHostAddress> DataWork::otherMembers() const
{
    QList<QHostAddress> members;
    for (const QJsonValue& value : m_modules.peers->toJson()) {
        const QJsonObject peer = value.toObject();
        if (peer.value(QLatin1String("status")).toString() == QLatin1String("authenticated"))
            members.append(QHostAddress(peer.value(QLatin1String("virtual_ip")).toString()));
    }
    std::shuffle(members.begin(), members.end(), *QRandomGenerator::global());
    return members;
}

Result<bool> DataWork::startFetch(const DataRef& ref)
{
    const auto seed = m_modules.peers->addressOf(ref.publisher);
    if (!seed && ref.publisher != m_modules.enrolment->name())
        return makeError("data.unknown_publisher", QStringLiteral("no member is called %1").arg(ref.publisher));
    const QHostAddress from = seed ? QHostAddress(*seed) : QHostAddress(m_modules.enrolment->virtualIp());
    return m_session->fetch(ref, from, otherMembers());
}

void DataWork::fetchForTask(const DataRef& ref, Done done)
{
    m_session->touch(ref);
    const QString here = m_session->pathOf(ref);
    if (!here.isEmpty())
        return done(here);
    const auto fetched = startFetch(ref);
    if (!fetched)
        return done(fetched.error());
    m_waiting[ref.infoHashHex()].append({ ref, std::move(done) });
    m_waitCheck->start();
}

void DataWork::answerWaiting()
{
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        const DataRef ref = it->first().first;
        const QString path = m_session->pathOf(ref);
        const QString error = m_session->transferJson(ref).value(QLatin1String("error")).toString();
        if (path.isEmpty() && error.isEmpty()) {
            ++it;
            continue;
        }
        const auto waiting = std::move(*it);
        it = m_waiting.erase(it);
        for (const auto& [waitingRef, done] : waiting)
            done(path.isEmpty() ? Result<QString>(makeError("data.fetch_failed", error)) : Result<QString>(path));
    }
    if (m_waiting.isEmpty())
        m_waitCheck->stop();
}

void DataWork::addCommands()
{
    using Responder = ControlApi::Responder;
    m_modules.control->addCommand(ipc::command::DataPublish, [this](const QJsonObject& a, const Responder& r) {
        m_session->publish(str(a, "path"), m_modules.enrolment->name(), [r](const Result<DataRef>& ref) {
            if (!ref)
                return r->fail(ref.error().code, ref.error().detail);
            r->reply(QJsonObject { { QStringLiteral("reference"), ref->toString() } });
        });
    });
    m_modules.control->addCommand(ipc::command::DataFetch, [this](const QJsonObject& a, const Responder& r) {
        const auto ref = DataRef::parse(str(a, "reference"));
        if (!ref)
            return r->fail(ref.error().code, ref.error().detail);
        const auto fetched = startFetch(*ref);
        if (!fetched)
            return r->fail(fetched.error().code, fetched.error().detail);
        r->reply(m_session->transferJson(*ref));
    });
    m_modules.control->addCommand(ipc::command::DataStatus, [this](const QJsonObject& a, const Responder& r) {
        if (!a.contains(QLatin1String("reference")))
            return r->reply(m_session->statusJson());
        const auto ref = DataRef::parse(str(a, "reference"));
        if (!ref)
            return r->fail(ref.error().code, ref.error().detail);
        const QJsonObject transfer = m_session->transferJson(*ref);
        if (transfer.isEmpty())
            return r->fail(
                QStringLiteral("data.unknown"), QStringLiteral("nothing is known of %1 here").arg(ref->toString()));
        r->reply(transfer);
    });
}

} // namespace pvc::core
