#include "labgrid.h"

// LabGrid's membership and the queries tests make of each member's pvcd: joining, `pvc status` and
// `pvc peers` as JSON, and waits on a peer's state or path.
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QProcess>

namespace pvc::test {

namespace {

const QString nobody = QStringLiteral("nobody");

QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

} // namespace

bool LabGrid::join(const QString& node, const QString& token, const QString& name)
{
    m_joinStarted[node].start();
    const RunResult result = pvc(node,
        { QStringLiteral("join"), QStringLiteral("--invite"), token, QStringLiteral("--name"),
            name.isEmpty() ? node : name, QStringLiteral("--timeout"), QStringLiteral("30") },
        40000);
    if (result.exitCode != 0) {
        m_error = QStringLiteral("pvc join in %1 failed (%2): %3%4")
                      .arg(node)
                      .arg(result.exitCode)
                      .arg(result.err, result.out);
        return false;
    }
    return true;
}

bool LabGrid::joinAll(const QStringList& nodes, const QString& token)
{
    std::vector<std::unique_ptr<QProcess>> joins;
    for (const QString& node : nodes) {
        m_joinStarted[node].start();
        joins.push_back(launch(node,
            { QStringLiteral("env"), QStringLiteral("XDG_RUNTIME_DIR=") + runtimeDir(node),
                binary(QStringLiteral("pvc")), QStringLiteral("--control"), controlPath(node), QStringLiteral("join"),
                QStringLiteral("--invite"), token, QStringLiteral("--name"), node, QStringLiteral("--timeout"),
                QStringLiteral("30") },
            nobody));
    }
    QStringList failed;
    const QDeadlineTimer deadline(40000);
    for (size_t i = 0; i < joins.size(); ++i) {
        QProcess& join = *joins[i];
        if (!join.waitForFinished(int(qMax<qint64>(1, deadline.remainingTime())))) {
            join.kill();
            join.waitForFinished(3000);
            failed << QStringLiteral("%1 (timed out)").arg(nodes[qsizetype(i)]);
        } else if (join.exitStatus() != QProcess::NormalExit || join.exitCode() != 0) {
            failed << QStringLiteral("%1 (%2: %3%4)")
                          .arg(nodes[qsizetype(i)])
                          .arg(join.exitCode())
                          .arg(QString::fromLocal8Bit(join.readAllStandardError()).trimmed(),
                              QString::fromLocal8Bit(join.readAllStandardOutput()).trimmed());
        }
    }
    if (!failed.isEmpty())
        m_error = QStringLiteral("pvc join failed in ") + failed.join(QStringLiteral(", "));
    return failed.isEmpty();
}

qint64 LabGrid::joinedFor(const QString& node) const
{
    const auto it = m_joinStarted.constFind(node);
    return it == m_joinStarted.cend() ? -1 : it->elapsed();
}

RunResult LabGrid::pvc(const QString& node, const QStringList& arguments, int timeoutMs)
{
    return m_lab.exec(node,
        QStringList { QStringLiteral("env"), QStringLiteral("XDG_RUNTIME_DIR=") + runtimeDir(node),
            binary(QStringLiteral("pvc")), QStringLiteral("--control"), controlPath(node) }
            + arguments,
        timeoutMs, nobody);
}

QJsonObject LabGrid::status(const QString& node)
{
    return QJsonDocument::fromJson(pvc(node, { QStringLiteral("status"), QStringLiteral("--json") }).out.toUtf8())
        .object();
}

QJsonArray LabGrid::peers(const QString& node)
{
    return QJsonDocument::fromJson(pvc(node, { QStringLiteral("peers"), QStringLiteral("--json") }).out.toUtf8())
        .array();
}

QJsonObject LabGrid::peer(const QString& node, const QString& name)
{
    for (const QJsonValue& value : peers(node))
        if (str(value.toObject(), "name") == name)
            return value.toObject();
    return {};
}

QString LabGrid::virtualIp(const QString& node)
{
    return str(status(node), "virtual_ip");
}

bool LabGrid::waitForPeer(
    const QString& node, const QString& name, const std::function<bool(const QJsonObject&)>& condition, int timeoutMs)
{
    return waitFor([&] { return condition(peer(node, name)); }, timeoutMs, 250);
}

bool LabGrid::waitForAuthenticated(const QString& node, const QString& name, int timeoutMs)
{
    return waitForPeer(
        node, name, [](const QJsonObject& p) { return str(p, "status") == QLatin1String("authenticated"); }, timeoutMs);
}

bool LabGrid::waitForPath(const QString& node, const QString& name, const QString& path, int timeoutMs)
{
    return waitForPeer(
        node, name,
        [&](const QJsonObject& p) {
            return str(p, "status") == QLatin1String("authenticated") && str(p, "path") == path;
        },
        timeoutMs);
}

QString LabGrid::cachedVirtualIp(const QString& node)
{
    QString& address = m_virtualIps[node];
    if (address.isEmpty())
        address = virtualIp(node);
    return address;
}

} // namespace pvc::test
