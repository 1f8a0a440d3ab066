#include "commands.h"

#include "datacommands.h"
#include "ipc/controlclient.h"
#include "ipc/controlcommands.h"
#include "output.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>
#include <optional>

namespace pvc::app::cli {

namespace {

constexpr int RequestTimeoutMs = 10000;

QString tr(const char* text)
{
    return QCoreApplication::translate("pvc", text);
}

ipc::ControlReply request(const Invocation& invocation, QLatin1String command, const QJsonObject& arguments = {})
{
    return ipc::controlRequest(invocation.control, command, arguments, RequestTimeoutMs);
}

void printJson(const QJsonDocument& document)
{
    out(QString::fromUtf8(document.toJson()));
}

int runJoin(const Invocation& invocation)
{
    const QCommandLineParser& parser = invocation.parser;
    if (!parser.isSet(QStringLiteral("invite"))) {
        std::fputs("pvc: join needs --invite TOKEN\n", stderr);
        return 1;
    }
    const int timeoutS = qBound(1, parser.value(QStringLiteral("timeout")).toInt(), 600);
    out(tr("Joining; waiting for the project's master...\n"));
    std::fflush(stdout);
    // pvcd waits timeoutS for the master; we wait a little longer for pvcd's answer.
    const auto reply = ipc::controlRequest(invocation.control, ipc::command::Join,
        QJsonObject { { QStringLiteral("token"), parser.value(QStringLiteral("invite")) },
            { QStringLiteral("name"), parser.value(QStringLiteral("name")) },
            { QStringLiteral("timeout_ms"), timeoutS * 1000 } },
        timeoutS * 1000 + 5000);
    if (!reply.ok)
        return failWith(reply);
    out(tr("Joined as %1 with virtual IP %2.\n")
            .arg(reply.result.value(QLatin1String("name")).toString(),
                reply.result.value(QLatin1String("virtual_ip")).toString()));
    return 0;
}

int runStatus(const Invocation& invocation)
{
    const auto reply = request(invocation, ipc::command::Status);
    if (!reply.ok)
        return failWith(reply);
    if (invocation.json)
        printJson(QJsonDocument(reply.result));
    else
        printStatus(reply.result);
    return 0;
}

int runPeers(const Invocation& invocation)
{
    const auto reply = request(invocation, ipc::command::Peers);
    if (!reply.ok)
        return failWith(reply);
    const QJsonArray peers = reply.result.value(QLatin1String("peers")).toArray();
    if (invocation.json)
        printJson(QJsonDocument(peers));
    else
        printPeers(peers);
    return 0;
}

int runLeave(const Invocation& invocation)
{
    const auto reply = request(invocation, ipc::command::Leave);
    if (!reply.ok)
        return failWith(reply);
    if (invocation.json)
        printJson(QJsonDocument(reply.result));
    else
        out(tr("Left the project; this machine's membership is gone (its key is kept for a later join).\n"));
    return 0;
}

int runPing(const Invocation& invocation)
{
    if (invocation.positional.size() != 2) {
        std::fputs("pvc: ping needs a member's NAME\n", stderr);
        return 1;
    }
    const QString name = invocation.positional.at(1);
    const auto reply = request(invocation, ipc::command::Ping, { { QStringLiteral("name"), name } });
    if (!reply.ok)
        return failWith(reply);
    out(tr("%1: authenticated, round trip %2 ms\n")
            .arg(name)
            .arg(reply.result.value(QLatin1String("rtt_ms")).toDouble(), 0, 'f', 2));
    return 0;
}

// A number if it reads as one; otherwise the text itself, which pvcd refuses with prefs.bad_value
// so that every check lives in one place.
QJsonValue numberOrText(const QString& text)
{
    bool ok = false;
    const int number = text.toInt(&ok);
    return ok ? QJsonValue(number) : QJsonValue(text);
}

// "on" and "off" as JSON booleans; anything else as text, for pvcd to refuse with the field's name.
QJsonValue onOff(const QString& value)
{
    if (value == QLatin1String("on") || value == QLatin1String("off"))
        return value == QLatin1String("on");
    return value;
}

QJsonObject windowChange(const QString& value)
{
    if (value == QLatin1String("off"))
        return { { QStringLiteral("window_enabled"), false } };
    const QStringList times = value.split(QLatin1Char('-'));
    return { { QStringLiteral("window_enabled"), true }, { QStringLiteral("window_start"), times.value(0) },
        { QStringLiteral("window_end"), times.size() == 2 ? times.at(1) : QString() } };
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
        return QJsonObject { { QStringLiteral("run_on_battery"), onOff(value) } };
    if (name == QLatin1String("seed-when-paused"))
        return QJsonObject { { QStringLiteral("seed_when_paused"), onOff(value) } };
    if (name == QLatin1String("window"))
        return windowChange(value);
    if (name == QLatin1String("memory"))
        return QJsonObject { { QStringLiteral("memory_percent"), numberOrText(value) } };
    if (name == QLatin1String("disk"))
        return QJsonObject { { QStringLiteral("disk_gb"), numberOrText(value) } };
    if (name == QLatin1String("upload"))
        return QJsonObject { { QStringLiteral("upload_kibps"), numberOrText(value) } };
    if (name == QLatin1String("download"))
        return QJsonObject { { QStringLiteral("download_kibps"), numberOrText(value) } };
    if (name == QLatin1String("cache"))
        return QJsonObject { { QStringLiteral("cache_mb"), numberOrText(value) } };
    return std::nullopt;
}

// The local policy from FILE (null for "none"), or nullopt after saying why it cannot be read.
std::optional<QJsonValue> readPolicy(const QString& path)
{
    if (path == QLatin1String("none"))
        return QJsonValue(QJsonValue::Null);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > 64 * 1024) {
        std::fprintf(stderr, "pvc: cannot read %s (or it is larger than 64 KiB)\n", qPrintable(path));
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject()) {
        std::fprintf(stderr, "pvc: %s is not JSON: %s\n", qPrintable(path), qPrintable(parseError.errorString()));
        return std::nullopt;
    }
    return QJsonValue(doc.object());
}

int runSetPolicy(const Invocation& invocation)
{
    const QStringList& positional = invocation.positional;
    if (positional.size() != 3 || positional.at(1) != QLatin1String("policy")) {
        std::fputs("pvc: use 'pvc set policy FILE|none', or 'pvc set "
                   "cores|idle-minutes|when-in-use|throttle|battery|window|memory|disk|upload|download|cache|"
                   "seed-when-paused "
                   "VALUE' (see --help)\n",
            stderr);
        return 1;
    }
    const auto policy = readPolicy(positional.at(2));
    if (!policy)
        return 1;
    const auto reply = request(invocation, ipc::command::SetPolicy, { { QStringLiteral("policy"), *policy } });
    if (!reply.ok)
        return failWith(reply);
    out(tr("Local policy %1.\n").arg(policy->isNull() ? tr("removed") : tr("set")));
    return 0;
}

// `set policy` or one of the owner's preferences.
int runSet(const Invocation& invocation)
{
    const QStringList& positional = invocation.positional;
    if (positional.size() == 3) {
        const auto change
            = preferenceChange(positional.at(1), positional.at(2), invocation.parser.value(QStringLiteral("percent")));
        if (change) {
            const auto reply = request(invocation, ipc::command::SetPreferences, *change);
            if (!reply.ok)
                return failWith(reply);
            printPreferences(reply.result);
            return 0;
        }
    }
    return runSetPolicy(invocation);
}

// pause, resume and finish all answer with the owner's policy now.
int runOwnerCommand(const Invocation& invocation, QLatin1String command, const QJsonObject& arguments = {})
{
    const auto reply = request(invocation, command, arguments);
    if (!reply.ok)
        return failWith(reply);
    out(tr("Computing:  %1\n").arg(computingLine(reply.result)));
    return 0;
}

int runPause(const Invocation& invocation)
{
    return runOwnerCommand(invocation, ipc::command::Pause,
        { { QStringLiteral("minutes"), numberOrText(invocation.positional.value(1, QStringLiteral("60"))) } });
}

int runResume(const Invocation& invocation)
{
    return runOwnerCommand(invocation, ipc::command::Resume);
}

int runFinish(const Invocation& invocation)
{
    return runOwnerCommand(invocation, ipc::command::FinishThenPause);
}

int runCredits(const Invocation& invocation)
{
    const auto reply = request(invocation, ipc::command::Credits);
    if (!reply.ok)
        return failWith(reply);
    if (invocation.json)
        printJson(QJsonDocument(reply.result));
    else
        printCredits(reply.result);
    return 0;
}

// In the order of the usage text.
const Command Commands[] {
    { QLatin1String("join"), "  join --invite TOKEN [--name NAME]   Join the project\n", runJoin },
    { QLatin1String("status"), "  status [--json]                     This machine's membership and brokers\n",
        runStatus },
    { QLatin1String("peers"),
        "  peers [--json]                      The other members and whether they are authenticated\n", runPeers },
    { QLatin1String("ping"),
        "  ping NAME                           Round trip to a member over the authenticated channel\n", runPing },
    { QLatin1String("set"),
        "  set policy FILE|none                The owner's local policy (can only narrow the global one)\n"
        "  set cores N|all-but-one             Cores this machine gives to the grid\n"
        "  set idle-minutes M                  Compute only after M idle minutes (0: even while in use)\n"
        "  set when-in-use pause|throttle [--percent P]\n"
        "                                      While the machine is in use, pause or throttle to P% CPU\n"
        "  set throttle P                      While in use, throttle to P% CPU (10-100)\n"
        "  set battery on|off                  Compute on battery power, or not\n"
        "  set window HH:MM-HH:MM|off          Compute only in this daily window (may cross midnight)\n"
        "  set memory PERCENT                  Memory the grid may use, % of this machine's (10-90)\n"
        "  set disk GB                         Disk the grid may use for its files (1-1000 GB)\n"
        "  set upload|download KIBPS           BitTorrent rate cap in KiB/s (0: none)\n"
        "  set cache MB                        BitTorrent cache cap; least recently used data goes first\n"
        "  set seed-when-paused on|off         Keep serving fetched data to members while computing is paused\n",
        runSet },
    { QLatin1String("pause"),
        "  pause [MINUTES]                     Pause computing (default 60, at most 1440 minutes)\n", runPause },
    { QLatin1String("resume"), "  resume                              Resume after a pause or a finish\n", runResume },
    { QLatin1String("finish"), "  finish                              Finish the current work, then pause\n",
        runFinish },
    { QLatin1String("credits"), "  credits [--json]                    Credits earned for certified results\n",
        runCredits },
    { QLatin1String("publish"),
        "  publish FILE|DIR                    Seed data to the members; prints its pvc-data: reference\n",
        runPublish },
    { QLatin1String("fetch"),
        "  fetch REFERENCE DEST                Fetch pvc-data: REFERENCE from the members into DEST\n", runFetch },
    { QLatin1String("leave"), "  leave                               Leave the project (the machine's key is kept)\n",
        runLeave },
};

} // namespace

std::span<const Command> commands()
{
    return Commands;
}

QString usage()
{
    QString text = QStringLiteral("Usage: pvc [--control PATH] COMMAND [options]\n\n"
                                  "Talks to the local pvcd.\n\n"
                                  "Commands:\n");
    for (const Command& command : Commands)
        text += QLatin1String(command.help);
    return text;
}

} // namespace pvc::app::cli
