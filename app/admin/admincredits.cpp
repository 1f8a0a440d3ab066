#include "admincredits.h"

#include "batch/creditledger.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <algorithm>
#include <cstdio>

namespace pvc::app {

using core::CreditLedger;

namespace {
const QCommandLineOption CsvOption(QStringLiteral("csv"),
    QStringLiteral("Write the ranking as CSV to FILE (- for standard output) instead of a table."),
    QStringLiteral("FILE"));

QByteArray csvOf(const QList<CreditLedger::HostSummary>& hosts, const CreditLedger& ledger)
{
    QByteArray csv = "rank,host,credit,recent_average,certified_tasks,statement_version\n";
    int rank = 0;
    for (const CreditLedger::HostSummary& h : hosts) {
        const auto stated = ledger.published(h.host);
        csv += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                   .arg(++rank)
                   .arg(h.host)
                   .arg(h.total, 0, 'f', 6)
                   .arg(h.recentAverage, 0, 'f', 6)
                   .arg(h.certifiedTasks)
                   .arg(stated ? stated->version : 0)
                   .toUtf8();
    }
    return csv;
}
} // namespace

void addCreditsOptions(QCommandLineParser& parser)
{
    parser.addOption(CsvOption);
}

int runCredits(QCommandLineParser& parser)
{
    const QString path = parser.value(QStringLiteral("dir")) + QStringLiteral("/ledger.db");
    if (!QFileInfo::exists(path)) {
        std::fprintf(stderr, "pvc-admin: %s does not exist: no batch has granted credit yet (pvc-batch --master)\n",
            qPrintable(path));
        return 1;
    }
    CreditLedger ledger;
    QString error;
    if (!ledger.open(path, &error)) {
        std::fprintf(stderr, "pvc-admin: cannot read %s: %s\n", qPrintable(path), qPrintable(error));
        return 1;
    }
    QList<CreditLedger::HostSummary> hosts = ledger.summaries(QDateTime::currentDateTimeUtc());
    std::stable_sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return a.total > b.total; });
    if (parser.isSet(CsvOption)) {
        const QByteArray csv = csvOf(hosts, ledger);
        if (parser.value(CsvOption) == QLatin1String("-")) {
            std::fwrite(csv.constData(), 1, size_t(csv.size()), stdout);
            return 0;
        }
        QSaveFile file(parser.value(CsvOption));
        if (!file.open(QIODevice::WriteOnly) || file.write(csv) != csv.size() || !file.commit()) {
            std::fprintf(stderr, "pvc-admin: cannot write %s: %s\n", qPrintable(file.fileName()),
                qPrintable(file.errorString()));
            return 1;
        }
        std::printf("%lld hosts written to %s\n", qlonglong(hosts.size()), qPrintable(file.fileName()));
        return 0;
    }
    std::printf("%-5s %-20s %14s %14s %10s %10s\n", "RANK", "HOST", "CREDIT", "PER DAY", "TASKS", "STATEMENT");
    int rank = 0;
    for (const CreditLedger::HostSummary& h : std::as_const(hosts)) {
        const auto stated = ledger.published(h.host);
        std::printf("%-5d %-20s %14.4f %14.4f %10lld %10s\n", ++rank, qPrintable(h.host), h.total, h.recentAverage,
            qlonglong(h.certifiedTasks), stated ? qPrintable(QString::number(stated->version)) : "not yet");
    }
    if (hosts.isEmpty())
        std::printf("(no credit granted yet)\n");
    return 0;
}

} // namespace pvc::app
