// LabGrid's transfers (labgrid.h): random source files, and checksummed TCP transfers between members by
// virtual IP with socat as nobody (LabTransfer checks what arrived).
#include "labgrid.h"

#include <QFile>
#include <QRandomGenerator>

namespace pvc::test {

namespace {
const QString nobody = QStringLiteral("nobody");
} // namespace

QString LabGrid::randomFile(const QString& name, qint64 size)
{
    const QString path = dir() + QLatin1Char('/') + name;
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), size / 4);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size()) {
        m_error = QStringLiteral("cannot write ") + path;
        return {};
    }
    file.close();
    QFile::setPermissions(
        path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    return path;
}

std::unique_ptr<LabTransfer> LabGrid::startTransfer(
    const QString& from, const QString& to, const QString& source, int connectTimeoutS, int idleTimeoutS)
{
    const QString target = cachedVirtualIp(to);
    if (target.isEmpty()) {
        m_error = QStringLiteral("%1 has no virtual IP").arg(to);
        return nullptr;
    }
    // A port of its own for every transfer, so that several can run at once into the same node.
    const int number = ++m_transfers;
    const quint16 port = quint16(20000 + number);
    const QString received = nobodyDir(QStringLiteral("transfers")) + QStringLiteral("/%1-%2.bin").arg(number).arg(to);
    const QString idle = QString::number(idleTimeoutS);
    // No fork: the listener takes one connection and exits when it ends; -T bounds a stalled transfer.
    auto listener = launch(to,
        { QStringLiteral("socat"), QStringLiteral("-u"), QStringLiteral("-T"), idle,
            QStringLiteral("TCP4-LISTEN:%1,bind=%2,reuseaddr").arg(port).arg(target),
            QStringLiteral("OPEN:%1,creat,trunc").arg(received) },
        nobody);
    if (!m_lab.waitForListening(to, port, false, 5000)) {
        m_error = QStringLiteral("the listener on %1 port %2 never listened: %3")
                      .arg(to)
                      .arg(port)
                      .arg(QString::fromLocal8Bit(listener->readAllStandardError()));
        return nullptr;
    }
    auto client = launch(from,
        { QStringLiteral("socat"), QStringLiteral("-u"), QStringLiteral("-T"), idle,
            QStringLiteral("OPEN:%1").arg(source),
            QStringLiteral("TCP4:%1:%2,connect-timeout=%3").arg(target).arg(port).arg(connectTimeoutS) },
        nobody);
    return std::make_unique<LabTransfer>(QStringLiteral("%1 -> %2 (%3:%4)").arg(from, to, target).arg(port),
        std::move(listener), std::move(client), source, received);
}

TransferResult LabGrid::transfer(const QString& from, const QString& to, const QString& source, int timeoutMs)
{
    const std::unique_ptr<LabTransfer> running = startTransfer(from, to, source);
    if (!running)
        return TransferResult { m_error };
    return running->wait(timeoutMs);
}

} // namespace pvc::test
