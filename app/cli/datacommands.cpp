#include "datacommands.h"

#include "ipc/controlclient.h"
#include "ipc/controlcommands.h"
#include "output.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QThread>
#include <cstdio>

namespace pvc::app::cli {

namespace {

constexpr int RequestTimeoutMs = 60000; // hashing a large file to publish takes a while
constexpr int PollMs = 500;

QString tr(const char* text)
{
    return QCoreApplication::translate("pvc", text);
}

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / 1e6, 'f', 1);
}

// "  45.2%  90.4 of 200.0 MB  12.3 MB/s  3 peers  ETA 9 s"
QString progressLine(const QJsonObject& t)
{
    const qint64 done = t.value(QLatin1String("bytes_done")).toInteger();
    const qint64 total = t.value(QLatin1String("bytes_total")).toInteger();
    const int rate = t.value(QLatin1String("download_rate")).toInt();
    QString eta = QStringLiteral("-");
    if (rate > 0 && total > done)
        eta = QStringLiteral("%1 s").arg((total - done) / rate);
    return tr("  %1%  %2 of %3 MB  %4 MB/s  %5 peers  ETA %6")
        .arg(t.value(QLatin1String("progress")).toDouble() * 100, 5, 'f', 1)
        .arg(megabytes(done), megabytes(total), megabytes(rate))
        .arg(t.value(QLatin1String("peers")).toInt())
        .arg(eta);
}

// Copies the finished data (a file or a directory) from pvcd's cache to dest.
bool copyOut(const QString& from, const QString& dest, QString* error)
{
    const QFileInfo source(from);
    QString target = dest;
    if (QFileInfo(dest).isDir())
        target = QDir(dest).filePath(source.fileName());
    if (source.isFile()) {
        QFile::remove(target);
        QFile file(from);
        if (!file.copy(target)) {
            *error = tr("cannot write %1: %2").arg(target, file.errorString());
            QFile::remove(target); // nothing half-written stays
            return false;
        }
        return true;
    }
    QDirIterator it(from, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        const QString to = target + QLatin1Char('/') + QDir(from).relativeFilePath(file);
        QDir().mkpath(QFileInfo(to).absolutePath());
        QFile::remove(to);
        QFile input(file);
        if (!input.copy(to)) {
            *error = tr("cannot write %1: %2").arg(to, input.errorString());
            return false;
        }
    }
    return true;
}

} // namespace

int runPublish(const Invocation& invocation)
{
    if (invocation.positional.size() != 2) {
        std::fputs("pvc: publish needs a FILE or DIR\n", stderr);
        return 1;
    }
    const QString path = QFileInfo(invocation.positional.at(1)).absoluteFilePath();
    out(tr("Hashing %1 and seeding it...\n").arg(path));
    std::fflush(stdout);
    const auto reply = ipc::controlRequest(invocation.control, ipc::command::DataPublish,
        QJsonObject { { QStringLiteral("path"), path } }, RequestTimeoutMs);
    if (!reply.ok)
        return failWith(reply);
    out(reply.result.value(QLatin1String("reference")).toString() + QLatin1Char('\n'));
    return 0;
}

int runFetch(const Invocation& invocation)
{
    if (invocation.positional.size() != 3) {
        std::fputs("pvc: fetch needs a REFERENCE and a DEST\n", stderr);
        return 1;
    }
    const QString reference = invocation.positional.at(1);
    const QJsonObject which { { QStringLiteral("reference"), reference } };
    auto reply = ipc::controlRequest(invocation.control, ipc::command::DataFetch, which, RequestTimeoutMs);
    if (!reply.ok)
        return failWith(reply);
    while (true) {
        reply = ipc::controlRequest(invocation.control, ipc::command::DataStatus, which, RequestTimeoutMs);
        if (!reply.ok)
            return failWith(reply);
        const QJsonObject& transfer = reply.result;
        const QString error = transfer.value(QLatin1String("error")).toString();
        if (!error.isEmpty()) {
            std::fprintf(stderr, "\npvc: the fetch failed: %s\n", qPrintable(error));
            return 2;
        }
        std::fprintf(stdout, "\r%s   ", qPrintable(progressLine(transfer)));
        std::fflush(stdout);
        const QString path = transfer.value(QLatin1String("path")).toString();
        if (!path.isEmpty()) {
            out(QStringLiteral("\n"));
            QString copyError;
            if (!copyOut(path, invocation.positional.at(2), &copyError)) {
                std::fprintf(stderr, "pvc: %s\n", qPrintable(copyError));
                return 2;
            }
            out(tr("Fetched %1 into %2\n")
                    .arg(transfer.value(QLatin1String("name")).toString(), invocation.positional.at(2)));
            return 0;
        }
        QThread::msleep(PollMs);
    }
}

} // namespace pvc::app::cli
