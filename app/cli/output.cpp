#include "output.h"

#include "common/jsonfields.h"
#include "errortext.h"
#include "ipc/controlclient.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>
#include <cstdio>

namespace pvc::app::cli {

using core::str;

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("pvc", text);
}

QString localTime(const QString& iso)
{
    return QDateTime::fromString(iso, Qt::ISODate).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

// The membership certificate's end, when it renews, and why a renewal failed.
void printCertificate(const QJsonObject& s)
{
    if (str(s, "certificate_expires").isEmpty())
        return;
    const QJsonObject renewal = s.value(QLatin1String("certificate_renewal")).toObject();
    QString line = tr("Membership: valid until %1").arg(localTime(str(s, "certificate_expires")));
    if (!str(renewal, "due").isEmpty())
        line += tr(", renewed from %1").arg(localTime(str(renewal, "due")));
    out(line + QLatin1Char('\n'));
    const QJsonObject error = renewal.value(QLatin1String("error")).toObject();
    if (!error.isEmpty())
        out(tr("Renewal:    not yet: %1 (%2)\n").arg(str(error, "detail"), str(error, "code")));
}

void printMembership(const QJsonObject& s)
{
    const QJsonObject project = s.value(QLatin1String("project")).toObject();
    out(tr("Project:    %1 (%2, domain %3)\n")
            .arg(str(project, "name"), str(project, "network"), str(project, "domain")));
    out(tr("State:      %1\n").arg(str(s, "state")));
    if (!str(s, "name").isEmpty())
        out(tr("Name:       %1\n").arg(str(s, "name")));
    if (!str(s, "virtual_ip").isEmpty())
        out(tr("Virtual IP: %1\n").arg(str(s, "virtual_ip")));
    printCertificate(s);
}

void printBrokers(const QJsonArray& brokers)
{
    for (const QJsonValue& value : brokers) {
        const QJsonObject broker = value.toObject();
        const bool up = broker.value(QLatin1String("connected")).toBool();
        QString line = tr("Broker:     %1 %2").arg(str(broker, "address"), up ? tr("connected") : tr("not connected"));
        if (broker.contains(QLatin1String("observed_udp")))
            line += tr(", sees us at %1").arg(str(broker, "observed_udp"));
        out(line + QLatin1Char('\n'));
    }
}

// The tunnel's UDP port and NAT, then what the router's UPnP did for us.
void printNetwork(const QJsonObject& tunnel, const QJsonObject& upnp)
{
    if (tunnel.value(QLatin1String("running")).toBool())
        out(tr("Network:    UDP port %1, NAT %2%3\n")
                .arg(tunnel.value(QLatin1String("udp_port")).toInt())
                .arg(str(tunnel, "nat"))
                .arg(tunnel.value(QLatin1String("udp_works")).toBool(true)
                        ? QString()
                        : tr(", UDP blocked (tunnels use the TCP relay)")));
    const QString upnpState = str(upnp, "state");
    if (upnpState == QLatin1String("mapped"))
        out(tr("UPnP:       router maps %1 to us (lease %2 s)\n")
                .arg(str(upnp, "external"))
                .arg(upnp.value(QLatin1String("lease_s")).toInt()));
    else if (!upnpState.isEmpty() && upnpState != QLatin1String("off"))
        out(tr("UPnP:       %1 %2\n").arg(upnpState, str(upnp, "error")));
}

void printPolicy(const QJsonObject& policy)
{
    out(tr("Policy:     global version %1 (%2 rules), local %3\n")
            .arg(policy.value(QLatin1String("global_version")).toInteger())
            .arg(policy.value(QLatin1String("global_rules")).toInt())
            .arg(policy.contains(QLatin1String("local_rules"))
                    ? tr("%1 rules").arg(policy.value(QLatin1String("local_rules")).toInt())
                    : tr("none")));
}

// "direct/hole_punch", "relay/tcp", or "-" when there is no path yet.
QString pathText(const QJsonObject& peer)
{
    const QString path = str(peer, "path");
    const QString technique = str(peer, "technique");
    const QString relay = str(peer, "relay"); // udp or tcp, when relayed
    if (path == QLatin1String("none") || path.isEmpty())
        return QStringLiteral("-");
    if (path == QLatin1String("relay") && !relay.isEmpty())
        return path + QLatin1Char('/') + relay;
    return technique.isEmpty() ? path : path + QLatin1Char('/') + technique;
}

} // namespace

void out(const QString& text)
{
    std::fputs(qPrintable(text), stdout);
}

int failWith(const ipc::ControlReply& reply)
{
    std::fprintf(stderr, "pvc: %s\n", qPrintable(errorText(reply.errorCode, reply.errorDetail)));
    return reply.errorCode.startsWith(QLatin1String("control.")) ? 3 : 2;
}

QString computingLine(const QJsonObject& computing)
{
    const QString until = str(computing, "paused_until");
    QString line = str(computing, "state") + QStringLiteral(": ") + errorText(str(computing, "reason"), {});
    if (!until.isEmpty())
        line += tr(" (until %1)")
                    .arg(QLocale().toString(
                        QDateTime::fromString(until, Qt::ISODate).toLocalTime(), QLocale::ShortFormat));
    return line;
}

// "busy: 2 tasks running, 14 done, 31.5 CPU seconds given (manager master:9123)", and why it stopped.
QString workerLine(const QJsonObject& worker)
{
    QString line = str(worker, "state");
    if (worker.contains(QLatin1String("pid")))
        line += tr(": %1 tasks running, %2 done, %3 CPU seconds given on %4 cores (manager %5)")
                    .arg(worker.value(QLatin1String("tasks_running")).toInt())
                    .arg(worker.value(QLatin1String("tasks_done")).toInteger())
                    .arg(worker.value(QLatin1String("cpu_seconds")).toDouble(), 0, 'f', 1)
                    .arg(worker.value(QLatin1String("cores")).toInt())
                    .arg(str(worker, "manager"));
    const QString error = str(worker, "last_error");
    if (!error.isEmpty())
        line += tr(" (last error: %1)").arg(error);
    return line;
}

void printStatus(const QJsonObject& s)
{
    printMembership(s);
    printBrokers(s.value(QLatin1String("brokers")).toArray());
    printNetwork(s.value(QLatin1String("tunnel")).toObject(), s.value(QLatin1String("upnp")).toObject());
    printPolicy(s.value(QLatin1String("policy")).toObject());
    const QJsonObject computing = s.value(QLatin1String("computing")).toObject();
    if (!computing.isEmpty())
        out(tr("Computing:  %1\n").arg(computingLine(computing)));
    const QJsonObject worker = s.value(QLatin1String("worker")).toObject();
    if (!worker.isEmpty())
        out(tr("Worker:     %1\n").arg(workerLine(worker)));
    const QJsonObject data = s.value(QLatin1String("data")).toObject();
    if (!data.isEmpty())
        out(tr("Data:       %1 transfers, %2 MB cached, %3 MB up, %4 MB down%5\n")
                .arg(data.value(QLatin1String("transfers")).toArray().size())
                .arg(data.value(QLatin1String("cache_bytes")).toInteger() / 1000000)
                .arg(data.value(QLatin1String("uploaded_bytes")).toInteger() / 1000000)
                .arg(data.value(QLatin1String("downloaded_bytes")).toInteger() / 1000000)
                .arg(data.value(QLatin1String("listening")).toBool() ? QString() : tr(" (not listening)")));
    const QJsonObject error = s.value(QLatin1String("error")).toObject();
    if (!error.isEmpty())
        out(tr("Last error: %1\n").arg(errorText(str(error, "code"), str(error, "detail"))));
}

void printPreferences(const QJsonObject& p)
{
    const bool allButOne = p.value(QLatin1String("all_but_one")).toBool();
    const bool throttle = str(p, "when_in_use") == QLatin1String("throttle");
    out(tr("Cores:      %1 of %2\n")
            .arg(allButOne ? tr("all but one") : QString::number(p.value(QLatin1String("cores")).toInt()))
            .arg(p.value(QLatin1String("max_cores")).toInt()));
    out(tr("Idle:       %1 minutes before computing; when in use: %2\n")
            .arg(p.value(QLatin1String("idle_minutes")).toInt())
            .arg(throttle ? tr("throttle to %1% CPU").arg(p.value(QLatin1String("throttle_percent")).toInt())
                          : tr("pause")));
    out(tr("Battery:    %1\n")
            .arg(
                p.value(QLatin1String("run_on_battery")).toBool() ? tr("compute on battery") : tr("pause on battery")));
    out(tr("Window:     %1\n")
            .arg(p.value(QLatin1String("window_enabled")).toBool()
                    ? str(p, "window_start") + QLatin1Char('-') + str(p, "window_end")
                    : tr("any time")));
    out(tr("Memory:     %1% (%2 MiB); disk: %3 GB\n")
            .arg(p.value(QLatin1String("memory_percent")).toInt())
            .arg(p.value(QLatin1String("memory_mb")).toInteger())
            .arg(p.value(QLatin1String("disk_gb")).toInt()));
    const auto rate = [&p](const char* key) {
        const int kibps = p.value(QLatin1String(key)).toInt();
        return kibps > 0 ? tr("%1 KiB/s").arg(kibps) : tr("no limit");
    };
    out(tr("Data:       upload %1, download %2, cache %3 MB; %4\n")
            .arg(rate("upload_kibps"), rate("download_kibps"))
            .arg(p.value(QLatin1String("cache_mb")).toInt())
            .arg(p.value(QLatin1String("seed_when_paused")).toBool(true) ? tr("serves data while paused")
                                                                         : tr("stops serving data while paused")));
}

void printPeers(const QJsonArray& peers)
{
    out(QStringLiteral("%1 %2 %3 %4 %5 %6\n")
            .arg(tr("NAME"), -20)
            .arg(tr("VIRTUAL IP"), -15)
            .arg(tr("STATUS"), -14)
            .arg(tr("PATH"), -16)
            .arg(tr("RTT"), -9)
            .arg(tr("ENDPOINT / ERROR")));
    for (const QJsonValue& value : peers) {
        const QJsonObject p = value.toObject();
        const double rtt = p.value(QLatin1String("rtt_ms")).toDouble(-1);
        const QString detail = p.contains(QLatin1String("error")) ? str(p, "error") : str(p, "endpoint");
        out(QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                .arg(str(p, "name"), -20)
                .arg(str(p, "virtual_ip"), -15)
                .arg(str(p, "status"), -14)
                .arg(pathText(p), -16)
                .arg(rtt >= 0 ? QStringLiteral("%1ms").arg(rtt, 0, 'f', 2) : QStringLiteral("-"), -9)
                .arg(detail));
    }
}

void printCredits(const QJsonObject& credits)
{
    out(tr("Credits:          %1\nDaily average:    %2\nCertified tasks:  %3\n")
            .arg(credits.value(QLatin1String("total")).toDouble())
            .arg(credits.value(QLatin1String("daily_average")).toDouble())
            .arg(credits.value(QLatin1String("certified_tasks")).toInteger()));
    if (credits.contains(QLatin1String("version")))
        out(tr("As of:            %1 (the master's statement %2)\n")
                .arg(str(credits, "issued"))
                .arg(credits.value(QLatin1String("version")).toInteger()));
    if (const int refused = credits.value(QLatin1String("refused")).toInt(); refused > 0)
        out(tr("Refused:          %1 statement(s) that were forged, for another host or older (last: %2)\n")
                .arg(refused)
                .arg(str(credits, "last_refusal")));
}

} // namespace pvc::app::cli
