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
#include <algorithm>

namespace pvc::core {

DataWork::DataWork(const QString& stateDirectory, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_modules(modules)
    , m_session(new DataSession(stateDirectory + QStringLiteral("/data"), this))
{
}

DataWork::~DataWork() = default;

void DataWork::start()
{
    connect(m_modules.enrolment, &Enrolment::becameMember, this, &DataWork::updateMember);
    connect(m_modules.enrolment, &Enrolment::membershipEnded, this, &DataWork::updateMember);
    connect(m_modules.owner, &OwnerControl::preferencesChanged, this, &DataWork::applyLimits);
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
    m_session->setLimits({ preferences.uploadKiBps, preferences.downloadKiBps });
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
        const auto seed = m_modules.peers->addressOf(ref->publisher);
        if (!seed && ref->publisher != m_modules.enrolment->name())
            return r->fail(
                QStringLiteral("data.unknown_publisher"), QStringLiteral("no member is called %1").arg(ref->publisher));
        const auto fetched = m_session->fetch(
            *ref, seed ? QHostAddress(*seed) : QHostAddress(m_modules.enrolment->virtualIp()), otherMembers());
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
