#include "errortext.h"
#include "ipc/controlclient.h"
#include "ipc/controlpaths.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <cstdio>
#include <optional>

using namespace pvc;

namespace {

const char* Usage = "Usage: pvc [--control PATH] COMMAND [options]\n\n"
                    "Talks to the local pvcd.\n\n"
                    "Commands:\n"
                    "  join --invite TOKEN [--name NAME]   Join the project\n"
                    "  status [--json]                     This machine's membership and brokers\n"
                    "  peers [--json]                      The other members and whether they are authenticated\n"
                    "  ping NAME                           Round trip to a member over the authenticated channel\n"
                    "  set policy FILE|none                The owner's local policy (can only narrow the global one)\n"
                    "  set cores N|all-but-one             Cores this machine gives to the grid\n"
                    "  set idle-minutes M                  Compute only after M idle minutes (0: even while in use)\n"
                    "  set when-in-use pause|throttle [--percent P]\n"
                    "                                      While the machine is in use, pause or throttle to P% CPU\n"
                    "  set throttle P                      While in use, throttle to P% CPU (10-100)\n"
                    "  set battery on|off                  Compute on battery power, or not\n"
                    "  set window HH:MM-HH:MM|off          Compute only in this daily window (may cross midnight)\n"
                    "  pause [MINUTES]                     Pause computing (default 60, at most 1440 minutes)\n"
                    "  resume                              Resume after a pause or a finish\n"
                    "  finish                              Finish the current work, then pause\n"
                    "  credits [--json]                    Credits earned for certified results\n"
                    "  leave                               Leave the project (the machine's key is kept)\n";

void out(const QString& text)
{
    std::fputs(qPrintable(text), stdout);
}

int failWith(const ipc::ControlReply& reply)
{
    std::fprintf(stderr, "pvc: %s\n", qPrintable(app::errorText(reply.errorCode, reply.errorDetail)));
    return reply.errorCode.startsWith(QLatin1String("control.")) ? 3 : 2;
}

// The owner's policy as one line: "paused: <why> [policy.user_active]".
QString computingLine(const QJsonObject& computing)
{
    const QString state = computing.value(QLatin1String("state")).toString();
    const QString until = computing.value(QLatin1String("paused_until")).toString();
    QString line
        = state + QStringLiteral(": ") + app::errorText(computing.value(QLatin1String("reason")).toString(), {});
    if (!until.isEmpty())
        line += QCoreApplication::translate("pvc", " (until %1)")
                    .arg(QLocale().toString(
                        QDateTime::fromString(until, Qt::ISODate).toLocalTime(), QLocale::ShortFormat));
    return line;
}

void printStatus(const QJsonObject& s)
{
    const QJsonObject project = s.value(QLatin1String("project")).toObject();
    out(QCoreApplication::translate("pvc", "Project:    %1 (%2, domain %3)\n")
            .arg(project.value(QLatin1String("name")).toString(), project.value(QLatin1String("network")).toString(),
                project.value(QLatin1String("domain")).toString()));
    out(QCoreApplication::translate("pvc", "State:      %1\n").arg(s.value(QLatin1String("state")).toString()));
    if (!s.value(QLatin1String("name")).toString().isEmpty())
        out(QCoreApplication::translate("pvc", "Name:       %1\n").arg(s.value(QLatin1String("name")).toString()));
    if (!s.value(QLatin1String("virtual_ip")).toString().isEmpty())
        out(QCoreApplication::translate("pvc", "Virtual IP: %1\n")
                .arg(s.value(QLatin1String("virtual_ip")).toString()));
    for (const QJsonValue& value : s.value(QLatin1String("brokers")).toArray()) {
        const QJsonObject broker = value.toObject();
        const bool up = broker.value(QLatin1String("connected")).toBool();
        QString line = QCoreApplication::translate("pvc", "Broker:     %1 %2")
                           .arg(broker.value(QLatin1String("address")).toString(),
                               up ? QCoreApplication::translate("pvc", "connected")
                                  : QCoreApplication::translate("pvc", "not connected"));
        if (broker.contains(QLatin1String("observed_udp")))
            line += QCoreApplication::translate("pvc", ", sees us at %1")
                        .arg(broker.value(QLatin1String("observed_udp")).toString());
        out(line + QLatin1Char('\n'));
    }
    const QJsonObject tunnel = s.value(QLatin1String("tunnel")).toObject();
    if (tunnel.value(QLatin1String("running")).toBool())
        out(QCoreApplication::translate("pvc", "Network:    UDP port %1, NAT %2%3\n")
                .arg(tunnel.value(QLatin1String("udp_port")).toInt())
                .arg(tunnel.value(QLatin1String("nat")).toString())
                .arg(tunnel.value(QLatin1String("udp_works")).toBool(true)
                        ? QString()
                        : QCoreApplication::translate("pvc", ", UDP blocked (tunnels use the TCP relay)")));
    const QJsonObject upnp = s.value(QLatin1String("upnp")).toObject();
    const QString upnpState = upnp.value(QLatin1String("state")).toString();
    if (upnpState == QLatin1String("mapped"))
        out(QCoreApplication::translate("pvc", "UPnP:       router maps %1 to us (lease %2 s)\n")
                .arg(upnp.value(QLatin1String("external")).toString())
                .arg(upnp.value(QLatin1String("lease_s")).toInt()));
    else if (!upnpState.isEmpty() && upnpState != QLatin1String("off"))
        out(QCoreApplication::translate("pvc", "UPnP:       %1 %2\n")
                .arg(upnpState, upnp.value(QLatin1String("error")).toString()));
    const QJsonObject policy = s.value(QLatin1String("policy")).toObject();
    out(QCoreApplication::translate("pvc", "Policy:     global version %1 (%2 rules), local %3\n")
            .arg(policy.value(QLatin1String("global_version")).toInteger())
            .arg(policy.value(QLatin1String("global_rules")).toInt())
            .arg(policy.contains(QLatin1String("local_rules"))
                    ? QCoreApplication::translate("pvc", "%1 rules")
                          .arg(policy.value(QLatin1String("local_rules")).toInt())
                    : QCoreApplication::translate("pvc", "none")));
    const QJsonObject computing = s.value(QLatin1String("computing")).toObject();
    if (!computing.isEmpty())
        out(QCoreApplication::translate("pvc", "Computing:  %1\n").arg(computingLine(computing)));
    const QJsonObject error = s.value(QLatin1String("error")).toObject();
    if (!error.isEmpty())
        out(QCoreApplication::translate("pvc", "Last error: %1\n")
                .arg(app::errorText(
                    error.value(QLatin1String("code")).toString(), error.value(QLatin1String("detail")).toString())));
}

void printPreferences(const QJsonObject& p)
{
    const bool allButOne = p.value(QLatin1String("all_but_one")).toBool();
    const bool throttle = p.value(QLatin1String("when_in_use")).toString() == QLatin1String("throttle");
    out(QCoreApplication::translate("pvc", "Cores:      %1 of %2\n")
            .arg(allButOne ? QCoreApplication::translate("pvc", "all but one")
                           : QString::number(p.value(QLatin1String("cores")).toInt()))
            .arg(p.value(QLatin1String("max_cores")).toInt()));
    out(QCoreApplication::translate("pvc", "Idle:       %1 minutes before computing; when in use: %2\n")
            .arg(p.value(QLatin1String("idle_minutes")).toInt())
            .arg(throttle ? QCoreApplication::translate("pvc", "throttle to %1% CPU")
                                .arg(p.value(QLatin1String("throttle_percent")).toInt())
                          : QCoreApplication::translate("pvc", "pause")));
    out(QCoreApplication::translate("pvc", "Battery:    %1\n")
            .arg(p.value(QLatin1String("run_on_battery")).toBool()
                    ? QCoreApplication::translate("pvc", "compute on battery")
                    : QCoreApplication::translate("pvc", "pause on battery")));
    out(QCoreApplication::translate("pvc", "Window:     %1\n")
            .arg(p.value(QLatin1String("window_enabled")).toBool() ? p.value(QLatin1String("window_start")).toString()
                        + QLatin1Char('-') + p.value(QLatin1String("window_end")).toString()
                                                                   : QCoreApplication::translate("pvc", "any time")));
}

// A number if it reads as one; otherwise the text itself, which pvcd refuses with prefs.bad_value
// so that every check lives in one place.
QJsonValue numberOrText(const QString& text)
{
    bool ok = false;
    const int number = text.toInt(&ok);
    return ok ? QJsonValue(number) : QJsonValue(text);
}

// `pvc set NAME VALUE` for the owner's preferences; nullopt if NAME is not one.
std::optional<QJsonObject> preferenceChange(const QString& name, const QString& value, const QString& percent)
{
    if (name == QLatin1String("cores")) {
        if (value == QLatin1String("all-but-one"))
            return QJsonObject { { QStringLiteral("all_but_one"), true } };
        return QJsonObject { { QStringLiteral("cores"), numberOrText(value) },
            { QStringLiteral("all_but_one"), false } };
    }
    if (name == QLatin1String("idle-minutes"))
        return QJsonObject { { QStringLiteral("idle_minutes"), numberOrText(value) } };
    if (name == QLatin1String("when-in-use")) {
        QJsonObject change { { QStringLiteral("when_in_use"), value } };
        if (!percent.isEmpty())
            change.insert(QStringLiteral("throttle_percent"), numberOrText(percent));
        return change;
    }
    if (name == QLatin1String("throttle"))
        return QJsonObject { { QStringLiteral("when_in_use"), QStringLiteral("throttle") },
            { QStringLiteral("throttle_percent"), numberOrText(value) } };
    if (name == QLatin1String("battery"))
        return QJsonObject { { QStringLiteral("run_on_battery"),
            value == QLatin1String("on")        ? QJsonValue(true)
                : value == QLatin1String("off") ? QJsonValue(false)
                                                : QJsonValue(value) } };
    if (name == QLatin1String("window")) {
        if (value == QLatin1String("off"))
            return QJsonObject { { QStringLiteral("window_enabled"), false } };
        const QStringList times = value.split(QLatin1Char('-'));
        return QJsonObject { { QStringLiteral("window_enabled"), true },
            { QStringLiteral("window_start"), times.value(0) },
            { QStringLiteral("window_end"), times.size() == 2 ? times.at(1) : QString() } };
    }
    return std::nullopt;
}

void printPeers(const QJsonArray& peers)
{
    out(QStringLiteral("%1 %2 %3 %4 %5 %6\n")
            .arg(QCoreApplication::translate("pvc", "NAME"), -20)
            .arg(QCoreApplication::translate("pvc", "VIRTUAL IP"), -15)
            .arg(QCoreApplication::translate("pvc", "STATUS"), -14)
            .arg(QCoreApplication::translate("pvc", "PATH"), -16)
            .arg(QCoreApplication::translate("pvc", "RTT"), -9)
            .arg(QCoreApplication::translate("pvc", "ENDPOINT / ERROR")));
    for (const QJsonValue& value : peers) {
        const QJsonObject p = value.toObject();
        const double rtt = p.value(QLatin1String("rtt_ms")).toDouble(-1);
        const QString path = p.value(QLatin1String("path")).toString();
        const QString technique = p.value(QLatin1String("technique")).toString();
        const QString relay = p.value(QLatin1String("relay")).toString(); // udp or tcp, when relayed
        const QString pathText = path == QLatin1String("none") || path.isEmpty() ? QStringLiteral("-")
            : path == QLatin1String("relay") && !relay.isEmpty()                 ? path + QLatin1Char('/') + relay
            : technique.isEmpty()                                                ? path
                                                                                 : path + QLatin1Char('/') + technique;
        const QString detail = p.contains(QLatin1String("error")) ? p.value(QLatin1String("error")).toString()
                                                                  : p.value(QLatin1String("endpoint")).toString();
        out(QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                .arg(p.value(QLatin1String("name")).toString(), -20)
                .arg(p.value(QLatin1String("virtual_ip")).toString(), -15)
                .arg(p.value(QLatin1String("status")).toString(), -14)
                .arg(pathText, -16)
                .arg(rtt >= 0 ? QStringLiteral("%1ms").arg(rtt, 0, 'f', 2) : QStringLiteral("-"), -9)
                .arg(detail));
    }
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromLatin1(Usage));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("control"), QStringLiteral("pvcd's control socket."), QStringLiteral("PATH"),
        ipc::defaultControlSocketPath() });
    parser.addOption({ QStringLiteral("invite"), QStringLiteral("join: the invite token."), QStringLiteral("TOKEN") });
    parser.addOption({ QStringLiteral("name"), QStringLiteral("join: this machine's name (default: hostname)."),
        QStringLiteral("NAME") });
    parser.addOption({ QStringLiteral("timeout"), QStringLiteral("join: seconds to wait for the master."),
        QStringLiteral("S"), QStringLiteral("30") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("status, peers, credits: print JSON.") });
    parser.addOption({ QStringLiteral("percent"), QStringLiteral("set when-in-use throttle: the CPU share, 10-100."),
        QStringLiteral("P") });
    parser.addPositionalArgument(QStringLiteral("command"),
        QStringLiteral("join, status, peers, ping, set, pause, resume, finish, credits or leave."));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        std::fputs(Usage, stderr);
        return 1;
    }
    const QString command = positional.first();
    const QString control = QFileInfo(parser.value(QStringLiteral("control"))).absoluteFilePath();
    const bool json = parser.isSet(QStringLiteral("json"));

    if (command == QLatin1String("join")) {
        if (!parser.isSet(QStringLiteral("invite"))) {
            std::fputs("pvc: join needs --invite TOKEN\n", stderr);
            return 1;
        }
        const int timeoutS = qBound(1, parser.value(QStringLiteral("timeout")).toInt(), 600);
        out(QCoreApplication::translate("pvc", "Joining; waiting for the project's master...\n"));
        std::fflush(stdout);
        const auto reply = ipc::controlRequest(control, QStringLiteral("join"),
            QJsonObject { { QStringLiteral("token"), parser.value(QStringLiteral("invite")) },
                { QStringLiteral("name"), parser.value(QStringLiteral("name")) },
                { QStringLiteral("timeout_ms"), timeoutS * 1000 } },
            timeoutS * 1000 + 5000);
        if (!reply.ok)
            return failWith(reply);
        out(QCoreApplication::translate("pvc", "Joined as %1 with virtual IP %2.\n")
                .arg(reply.result.value(QLatin1String("name")).toString(),
                    reply.result.value(QLatin1String("virtual_ip")).toString()));
        return 0;
    }
    if (command == QLatin1String("status") || command == QLatin1String("peers") || command == QLatin1String("leave")) {
        const auto reply = ipc::controlRequest(control, command, {}, 10000);
        if (!reply.ok)
            return failWith(reply);
        if (json) {
            const QJsonDocument doc = command == QLatin1String("peers")
                ? QJsonDocument(reply.result.value(QLatin1String("peers")).toArray())
                : QJsonDocument(reply.result);
            out(QString::fromUtf8(doc.toJson()));
        } else if (command == QLatin1String("peers")) {
            printPeers(reply.result.value(QLatin1String("peers")).toArray());
        } else if (command == QLatin1String("leave")) {
            out(QCoreApplication::translate(
                "pvc", "Left the project; this machine's membership is gone (its key is kept for a later join).\n"));
        } else {
            printStatus(reply.result);
        }
        return 0;
    }
    if (command == QLatin1String("set") && positional.size() == 3) {
        const auto change
            = preferenceChange(positional.at(1), positional.at(2), parser.value(QStringLiteral("percent")));
        if (change) {
            const auto reply = ipc::controlRequest(control, QStringLiteral("set-preferences"), *change, 10000);
            if (!reply.ok)
                return failWith(reply);
            printPreferences(reply.result);
            return 0;
        }
    }
    if (command == QLatin1String("pause") || command == QLatin1String("resume") || command == QLatin1String("finish")) {
        QJsonObject arguments;
        if (command == QLatin1String("pause"))
            arguments.insert(QStringLiteral("minutes"), numberOrText(positional.value(1, QStringLiteral("60"))));
        const auto reply = ipc::controlRequest(control,
            command == QLatin1String("finish") ? QStringLiteral("finish-then-pause") : command, arguments, 10000);
        if (!reply.ok)
            return failWith(reply);
        out(QCoreApplication::translate("pvc", "Computing:  %1\n").arg(computingLine(reply.result)));
        return 0;
    }
    if (command == QLatin1String("credits")) {
        const auto reply = ipc::controlRequest(control, command, {}, 10000);
        if (!reply.ok)
            return failWith(reply);
        if (json) {
            out(QString::fromUtf8(QJsonDocument(reply.result).toJson()));
            return 0;
        }
        out(QCoreApplication::translate("pvc", "Credits:          %1\nDaily average:    %2\nCertified tasks:  %3\n")
                .arg(reply.result.value(QLatin1String("total")).toDouble())
                .arg(reply.result.value(QLatin1String("daily_average")).toDouble())
                .arg(reply.result.value(QLatin1String("certified_tasks")).toInteger()));
        return 0;
    }
    if (command == QLatin1String("set")) {
        if (positional.size() != 3 || positional.at(1) != QLatin1String("policy")) {
            std::fputs("pvc: use 'pvc set policy FILE|none', or 'pvc set "
                       "cores|idle-minutes|when-in-use|throttle|battery|window "
                       "VALUE' (see --help)\n",
                stderr);
            return 1;
        }
        QJsonValue policy = QJsonValue::Null;
        if (positional.at(2) != QLatin1String("none")) {
            QFile file(positional.at(2));
            if (!file.open(QIODevice::ReadOnly) || file.size() > 64 * 1024) {
                std::fprintf(
                    stderr, "pvc: cannot read %s (or it is larger than 64 KiB)\n", qPrintable(positional.at(2)));
                return 1;
            }
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
            if (!doc.isObject()) {
                std::fprintf(stderr, "pvc: %s is not JSON: %s\n", qPrintable(positional.at(2)),
                    qPrintable(parseError.errorString()));
                return 1;
            }
            policy = doc.object();
        }
        const auto reply = ipc::controlRequest(
            control, QStringLiteral("set-policy"), QJsonObject { { QStringLiteral("policy"), policy } }, 10000);
        if (!reply.ok)
            return failWith(reply);
        out(QCoreApplication::translate("pvc", "Local policy %1.\n")
                .arg(policy.isNull() ? QCoreApplication::translate("pvc", "removed")
                                     : QCoreApplication::translate("pvc", "set")));
        return 0;
    }
    if (command == QLatin1String("ping")) {
        if (positional.size() != 2) {
            std::fputs("pvc: ping needs a member's NAME\n", stderr);
            return 1;
        }
        const auto reply = ipc::controlRequest(
            control, QStringLiteral("ping"), QJsonObject { { QStringLiteral("name"), positional.at(1) } }, 10000);
        if (!reply.ok)
            return failWith(reply);
        out(QCoreApplication::translate("pvc", "%1: authenticated, round trip %2 ms\n")
                .arg(positional.at(1))
                .arg(reply.result.value(QLatin1String("rtt_ms")).toDouble(), 0, 'f', 2));
        return 0;
    }
    std::fprintf(stderr, "pvc: unknown command '%s'\n\n%s", qPrintable(command), Usage);
    return 1;
}
