#include "labtransfer.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>

namespace pvc::test {

LabTransfer::LabTransfer(const QString& label, std::unique_ptr<QProcess> listener, std::unique_ptr<QProcess> client,
    const QString& source, const QString& received)
    : m_label(label)
    , m_listener(std::move(listener))
    , m_client(std::move(client))
    , m_source(source)
    , m_received(received)
    , m_size(QFileInfo(source).size())
{
    m_timer.start();
}

LabTransfer::~LabTransfer()
{
    stop(m_client.get());
    stop(m_listener.get());
}

void LabTransfer::stop(QProcess* process)
{
    if (process && process->state() != QProcess::NotRunning) {
        process->kill();
        process->waitForFinished(3000);
    }
}

qint64 LabTransfer::received() const
{
    return QFileInfo(m_received).size();
}

QByteArray LabTransfer::sha256Of(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

bool LabTransfer::ended(QProcess* process)
{
    // waitForFinished(0) notices a child that has exited without blocking (there is no event loop here).
    if (process->state() != QProcess::NotRunning)
        process->waitForFinished(0);
    return process->state() == QProcess::NotRunning;
}

bool LabTransfer::clientSucceeded() const
{
    return m_client->exitStatus() == QProcess::NormalExit && m_client->exitCode() == 0;
}

bool LabTransfer::poll()
{
    if (m_endNs < 0 && ended(m_client.get()) && (!clientSucceeded() || ended(m_listener.get())))
        m_endNs = m_timer.nsecsElapsed();
    return m_endNs >= 0;
}

TransferResult LabTransfer::wait(int timeoutMs)
{
    TransferResult result;
    const QDeadlineTimer deadline(timeoutMs);
    while (!poll() && !deadline.hasExpired())
        QThread::msleep(10);
    const bool clientDone = ended(m_client.get());
    const bool listenerDone = ended(m_listener.get());
    result.seconds = double(m_endNs >= 0 ? m_endNs : m_timer.nsecsElapsed()) / 1e9;
    const QString clientSaid = clientDone
        ? QString::fromLocal8Bit(m_client->readAllStandardError()).trimmed().section(QLatin1Char('\n'), -2)
        : QString();
    stop(m_client.get());
    stop(m_listener.get());
    result.bytes = received();
    if (!clientDone)
        result.error = QStringLiteral("the sender had not finished after %1 ms").arg(m_timer.elapsed());
    else if (!clientSucceeded())
        result.error = QStringLiteral("the sender failed (exit %1): %2").arg(m_client->exitCode()).arg(clientSaid);
    else if (!listenerDone)
        result.error = QStringLiteral("the receiver had not finished after %1 ms").arg(m_timer.elapsed());
    else if (result.bytes != m_size)
        result.error = QStringLiteral("%1 of %2 bytes arrived").arg(result.bytes).arg(m_size);
    else if (sha256Of(m_received) != sha256Of(m_source))
        result.error = QStringLiteral("the bytes that arrived differ from those sent (SHA-256)");
    if (!result.ok())
        result.error = m_label + QStringLiteral(": ") + result.error;
    return result;
}

} // namespace pvc::test
