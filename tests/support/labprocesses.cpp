#include "labprocesses.h"

#include <QFile>
#include <QProcessEnvironment>

namespace pvc::test {

LabProcesses::LabProcesses(LabNetwork& lab, const QString& logDir)
    : m_lab(lab)
    , m_logDir(logDir)
{
}

LabProcesses::~LabProcesses()
{
    // Reverse start order: members (pvcd before its helper), then the master and the broker.
    for (auto it = m_processes.rbegin(); it != m_processes.rend(); ++it) {
        QProcess* process = it->second;
        if (process->state() != QProcess::NotRunning) {
            process->kill(); // SIGKILL to the program's own PID: ip netns exec and setpriv exec in place
            process->waitForFinished(5000);
        }
        delete process;
    }
}

QStringList LabProcesses::wrap(const QString& node, const QString& asUser) const
{
    QStringList arguments { QStringLiteral("netns"), QStringLiteral("exec"), m_lab.namespaceName(node) };
    if (!asUser.isEmpty())
        arguments << QStringLiteral("setpriv") << QStringLiteral("--reuid=") + asUser
                  << QStringLiteral("--regid=nogroup") << QStringLiteral("--clear-groups") << QStringLiteral("--");
    return arguments;
}

QProcess* LabProcesses::start(
    const QString& key, const QString& node, const QStringList& argv, const QString& asUser, QString* error)
{
    stop(key);
    auto* process = new QProcess;
    process->setProgram(QStringLiteral("ip"));
    process->setArguments(wrap(node, asUser) + argv);
    process->setProcessChannelMode(QProcess::MergedChannels);
    // Appends across restarts, so that the log holds everything the process ever said.
    process->setStandardOutputFile(m_logDir + QLatin1Char('/') + key + QStringLiteral(".log"), QIODevice::Append);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("pvc.*.debug=true"));
    process->setProcessEnvironment(env);
    process->start();
    if (!process->waitForStarted(5000))
        *error = QStringLiteral("cannot start %1: %2").arg(key, process->errorString());
    else
        m_pids << process->processId();
    m_processes.append({ key, process });
    return process;
}

std::unique_ptr<QProcess> LabProcesses::launch(
    const QString& node, const QStringList& argv, const QString& asUser) const
{
    auto process = std::make_unique<QProcess>();
    process->setProgram(QStringLiteral("ip"));
    process->setArguments(wrap(node, asUser) + argv);
    process->start();
    process->waitForStarted(5000);
    return process;
}

QProcess* LabProcesses::process(const QString& key) const
{
    for (const auto& entry : m_processes)
        if (entry.first == key)
            return entry.second;
    return nullptr;
}

void LabProcesses::stop(const QString& key)
{
    for (qsizetype i = 0; i < m_processes.size(); ++i) {
        if (m_processes[i].first != key)
            continue;
        QProcess* process = m_processes[i].second;
        if (process->state() != QProcess::NotRunning) {
            process->kill();
            process->waitForFinished(5000);
        }
        delete process;
        m_processes.removeAt(i);
        return;
    }
}

QString LabProcesses::log(const QString& key) const
{
    QFile file(m_logDir + QLatin1Char('/') + key + QStringLiteral(".log"));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QString LabProcesses::logTail(const QString& key, int lines) const
{
    const QStringList all = log(key).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return all.mid(qMax(0, all.size() - lines)).join(QLatin1Char('\n'));
}

QString LabProcesses::logTails(int lines) const
{
    QString out;
    for (const auto& entry : m_processes) {
        const QStringList all = log(entry.first).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        out += QStringLiteral("--- %1.log (last %2 of %3 lines)\n")
                   .arg(entry.first)
                   .arg(qMin(lines, all.size()))
                   .arg(all.size());
        out += all.mid(qMax(0, all.size() - lines)).join(QLatin1Char('\n')) + QLatin1Char('\n');
    }
    return out;
}

} // namespace pvc::test
