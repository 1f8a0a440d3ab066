#include "replicafiles.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSaveFile>

namespace pvc::batch {

namespace {
QByteArray fileHash(const QString& path)
{
    QFile file(path);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!file.open(QIODevice::ReadOnly) || !hash.addData(&file))
        return {};
    return hash.result();
}
} // namespace

ReplicaFiles::ReplicaFiles(const QString& batchDir, const QStringList& comparator)
    : m_dir(batchDir)
    , m_comparator(comparator)
{
}

QString ReplicaFiles::replicaDir(const QString& task, const QString& host) const
{
    return m_dir + QStringLiteral("/replicas/") + task + QLatin1Char('/') + host;
}

QString ReplicaFiles::resultDir(const QString& task) const
{
    return m_dir + QStringLiteral("/results/") + task;
}

std::optional<QString> ReplicaFiles::missingOutput(const QString& dir, const QStringList& outputs) const
{
    for (const QString& output : outputs) {
        const QFileInfo info(dir + QLatin1Char('/') + output);
        if (!info.isFile() || !info.isReadable())
            return output;
    }
    return std::nullopt;
}

QString ReplicaFiles::digest(const QString& dir, const QStringList& outputs)
{
    QCryptographicHash all(QCryptographicHash::Sha256);
    for (const QString& output : outputs) {
        QFile file(dir + QLatin1Char('/') + output);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        all.addData(output.toUtf8());
        all.addData(QByteArray(1, '\0'));
        all.addData(QByteArray::number(file.size()));
        all.addData(QByteArray(1, '\0'));
        if (!all.addData(&file))
            return {};
    }
    return QString::fromLatin1(all.result().toHex());
}

ReplicaFiles::Comparison ReplicaFiles::compareFiles(const QString& a, const QString& b) const
{
    if (m_comparator.isEmpty()) {
        const QByteArray left = fileHash(a), right = fileHash(b);
        if (left.isEmpty() || right.isEmpty())
            return { false, QStringLiteral("cannot read %1 or %2").arg(a, b) };
        return { left == right, {} };
    }
    QProcess comparator;
    comparator.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    comparator.start(m_comparator.first(), m_comparator.mid(1) + QStringList { a, b });
    if (!comparator.waitForStarted(10000))
        return { false,
            QStringLiteral("the comparator %1 cannot start: %2").arg(m_comparator.first(), comparator.errorString()) };
    if (!comparator.waitForFinished(ComparatorTimeoutMs)) {
        comparator.kill();
        comparator.waitForFinished(5000);
        return { false, QStringLiteral("the comparator did not answer within %1 s").arg(ComparatorTimeoutMs / 1000) };
    }
    if (comparator.exitStatus() != QProcess::NormalExit)
        return { false, QStringLiteral("the comparator crashed") };
    if (comparator.exitCode() > 1)
        return { false, QStringLiteral("the comparator failed (exit %1)").arg(comparator.exitCode()) };
    return { comparator.exitCode() == 0, {} };
}

ReplicaFiles::Comparison ReplicaFiles::compare(
    const QString& dirA, const QString& dirB, const QStringList& outputs) const
{
    for (const QString& output : outputs) {
        const Comparison one = compareFiles(dirA + QLatin1Char('/') + output, dirB + QLatin1Char('/') + output);
        if (!one.error.isEmpty() || !one.equivalent)
            return one;
    }
    return { true, {} };
}

bool ReplicaFiles::publish(const QString& task, const QString& host, const QStringList& outputs, QString* error) const
{
    const QString target = resultDir(task);
    if (!QDir().mkpath(target)) {
        *error = QStringLiteral("cannot make %1").arg(target);
        return false;
    }
    for (const QString& output : outputs) {
        QFile source(replicaDir(task, host) + QLatin1Char('/') + output);
        QSaveFile copy(target + QLatin1Char('/') + output);
        if (!source.open(QIODevice::ReadOnly) || !copy.open(QIODevice::WriteOnly)) {
            *error = QStringLiteral("cannot copy %1 to %2").arg(source.fileName(), copy.fileName());
            return false;
        }
        while (!source.atEnd()) {
            const QByteArray chunk = source.read(1 << 20);
            if (chunk.isEmpty() || copy.write(chunk) != chunk.size()) {
                *error = QStringLiteral("cannot write %1: %2").arg(copy.fileName(), copy.errorString());
                return false;
            }
        }
        if (!copy.commit()) {
            *error = QStringLiteral("cannot write %1: %2").arg(copy.fileName(), copy.errorString());
            return false;
        }
    }
    return true;
}

void ReplicaFiles::withdraw(const QString& task) const
{
    QDir(resultDir(task)).removeRecursively();
}

} // namespace pvc::batch
