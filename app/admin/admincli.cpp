#include "admincli.h"

#include "admincredits.h"
#include "admindata.h"
#include "common/logging.h"
#include "master/creditpublisher.h"
#include "master/enrolmentauthority.h"
#include "master/masterservice.h"
#include "masterdirectory.h"
#include "security/invitetoken.h"
#include "security/policy.h"
#include "virtualization/addressplan.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <cstdio>

namespace pvc::app {

using namespace pvc::core;
using namespace pvc::master;

namespace {

int fail(const QString& message)
{
    std::fprintf(stderr, "pvc-admin: %s\n", qPrintable(message));
    return 1;
}

void print(const QString& text)
{
    std::fputs(qPrintable(text), stdout);
}

const QCommandLineOption DirOption(
    QStringLiteral("dir"), QStringLiteral("The master's directory."), QStringLiteral("DIR"));

// "7d", "12h", "30m", "45s"
qint64 parseDuration(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,6})([smhd])$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return -1;
    const qint64 value = match.captured(1).toLongLong();
    switch (match.captured(2).at(0).toLatin1()) {
    case 's':
        return value;
    case 'm':
        return value * 60;
    case 'h':
        return value * 3600;
    default:
        return value * 86400;
    }
}

// The bundle init describes, from --name, --broker, --network and --domain, each checked.
bool bundleFromOptions(const QCommandLineParser& parser, ProjectBundle* bundle, QString* error)
{
    bundle->name = parser.value(QStringLiteral("name"));
    bundle->network = parser.value(QStringLiteral("network"));
    bundle->domain = parser.value(QStringLiteral("domain"));
    // HOST:PORT, or HOST:PORT=SHA256 (what pvc-broker --fingerprint prints) to pin its TLS certificate.
    for (const QString& broker : parser.values(QStringLiteral("broker"))) {
        const QString address = broker.section(QLatin1Char('='), 0, 0);
        bundle->brokers << address;
        if (!broker.contains(QLatin1Char('=')))
            continue;
        static const QRegularExpression sha256(QRegularExpression::anchoredPattern(QStringLiteral("[0-9a-fA-F]{64}")));
        const QString pin = broker.section(QLatin1Char('='), 1);
        if (!sha256.match(pin).hasMatch()) {
            *error = QStringLiteral("--broker %1: the pin must be 64 hex digits (what pvc-broker --fingerprint prints)")
                         .arg(broker);
            return false;
        }
        bundle->brokerPins.insert(address, QByteArray::fromHex(pin.toLatin1()));
    }
    const auto plan = AddressPlan::parse(bundle->network);
    if (!plan) {
        *error = plan.error().detail;
        return false;
    }
    bundle->network = plan->cidr();
    for (const QString& broker : bundle->brokers)
        if (const auto address = HostPort::parse(broker); !address) {
            *error = address.error().detail;
            return false;
        }
    return true;
}

int runInit(QCommandLineParser& parser)
{
    const QString dir = parser.value(DirOption);
    if (dir.isEmpty() || parser.value(QStringLiteral("name")).isEmpty()
        || parser.values(QStringLiteral("broker")).isEmpty())
        return fail(QStringLiteral("init needs --dir, --name and at least one --broker"));
    if (QFile::exists(dir + QStringLiteral("/ca.key")))
        return fail(QStringLiteral("%1 already holds a master CA; refusing to overwrite it").arg(dir));
    ProjectBundle bundle;
    QString error;
    if (!bundleFromOptions(parser, &bundle, &error) || !createMaster(dir, &bundle, &error))
        return fail(error);
    const auto loaded = ProjectBundle::load(dir + QStringLiteral("/project.json"));
    print(QStringLiteral("Project '%1' created in %2\n  network %3, domain %4\n  project id %5\n"
                         "Ship %2/project.json with the installer; keep %2/ca.key secret.\n")
              .arg(bundle.name, dir, bundle.network, bundle.domain, loaded ? loaded->projectId : QString()));
    for (const QString& broker : std::as_const(bundle.brokers))
        if (!bundle.brokerPins.contains(broker))
            std::fprintf(stderr,
                "pvc-admin: broker %s is not pinned: members will talk to whatever answers there. Pin it with "
                "--broker %s=SHA256 (pvc-broker --state DIR --fingerprint prints it).\n",
                qPrintable(broker), qPrintable(broker));
    return 0;
}

int runInvite(QCommandLineParser& parser)
{
    Master master;
    QString error;
    if (!openMaster(parser.value(DirOption), false, &master, &error))
        return fail(error);
    bool ok = false;
    const int uses = parser.value(QStringLiteral("uses")).toInt(&ok);
    if (!ok || uses < 1 || uses > 100000)
        return fail(QStringLiteral("--uses wants a number from 1 to 100000"));
    const qint64 ttl = parseDuration(parser.value(QStringLiteral("ttl")));
    if (ttl <= 0)
        return fail(QStringLiteral("--ttl wants a duration like 7d, 12h, 30m or 45s"));
    const QStringList groups = parser.value(QStringLiteral("group")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    static const QRegularExpression groupPattern(QStringLiteral("^[a-z0-9][a-z0-9-]{0,31}$"));
    for (const QString& group : groups)
        if (!groupPattern.match(group).hasMatch())
            return fail(QStringLiteral("'%1' is not a group name (lowercase letters, digits and -)").arg(group));
    const InviteToken token = InviteToken::generate();
    if (!master.store.addToken({ token.id, token.secret, uses, QDateTime::currentDateTimeUtc().addSecs(ttl), groups }))
        return fail(QStringLiteral("cannot record the token in the master's store"));
    print(token.toString() + QLatin1Char('\n'));
    return 0;
}

int runHosts(QCommandLineParser& parser)
{
    Master master;
    QString error;
    if (!openMaster(parser.value(DirOption), false, &master, &error))
        return fail(error);
    const QList<MasterStore::Host> hosts = master.store.hosts();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray array;
        for (const auto& host : hosts)
            array.append(QJsonObject { { QStringLiteral("name"), host.name },
                { QStringLiteral("virtual_ip"), host.virtualIp }, { QStringLiteral("serial"), host.serialHex },
                { QStringLiteral("last_seen"), host.lastSeen.toString(Qt::ISODate) },
                { QStringLiteral("revoked"), host.revoked } });
        print(QString::fromUtf8(QJsonDocument(array).toJson()));
        return 0;
    }
    print(QStringLiteral("%1 %2 %3 %4\n")
              .arg(QStringLiteral("NAME"), -24)
              .arg(QStringLiteral("VIRTUAL IP"), -16)
              .arg(QStringLiteral("LAST SEEN"), -21)
              .arg(QStringLiteral("REVOKED")));
    for (const auto& host : hosts)
        print(QStringLiteral("%1 %2 %3 %4\n")
                  .arg(host.name, -24)
                  .arg(host.virtualIp, -16)
                  .arg(host.lastSeen.isValid() ? host.lastSeen.toString(Qt::ISODate) : QStringLiteral("never"), -21)
                  .arg(host.revoked ? QStringLiteral("yes") : QStringLiteral("no")));
    return 0;
}

int runRevoke(QCommandLineParser& parser)
{
    const QStringList names = parser.positionalArguments();
    if (names.size() != 1)
        return fail(QStringLiteral("revoke wants exactly one host name"));
    Master master;
    QString error;
    if (!openMaster(parser.value(DirOption), false, &master, &error))
        return fail(error);
    const auto host = master.store.host(names.first());
    if (!host)
        return fail(QStringLiteral("no member is named '%1'").arg(names.first()));
    if (host->revoked)
        return fail(QStringLiteral("'%1' is already revoked").arg(names.first()));
    if (!master.store.revoke(names.first()))
        return fail(QStringLiteral("cannot record the revocation"));
    print(QStringLiteral("Revoked %1 (%2, serial %3). A running 'pvc-admin serve' publishes it within a second.\n")
              .arg(host->name, host->virtualIp, host->serialHex));
    return 0;
}

int runPolicy(QCommandLineParser& parser)
{
    const QStringList arguments = parser.positionalArguments();
    Master master;
    QString error;
    if (!openMaster(parser.value(DirOption), false, &master, &error))
        return fail(error);
    if (arguments.value(0) == QLatin1String("show") && arguments.size() == 1) {
        if (master.store.policyVersion() == 0) {
            print(QStringLiteral("No global policy is set: hosts accept nothing inbound.\n"));
            return 0;
        }
        print(QStringLiteral("Version %1:\n%2\n")
                  .arg(master.store.policyVersion())
                  .arg(QString::fromUtf8(master.store.policy())));
        return 0;
    }
    if (arguments.value(0) != QLatin1String("set") || arguments.size() != 2)
        return fail(QStringLiteral("use 'policy set FILE' or 'policy show'"));
    QFile file(arguments.at(1));
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1: %2").arg(arguments.at(1), file.errorString()));
    const QByteArray json = file.read(Policy::MaxBytes + 1);
    const auto policy = Policy::parse(json);
    if (!policy)
        return fail(QStringLiteral("%1 is not a valid policy: %2 (%3)")
                        .arg(arguments.at(1), policy.error().detail, policy.error().code));
    if (!master.store.setPolicy(QJsonDocument(policy->toJson()).toJson(QJsonDocument::Compact)))
        return fail(QStringLiteral("cannot record the policy"));
    print(QStringLiteral(
        "Global policy version %1 with %2 rules. A running 'pvc-admin serve' publishes it within a second.\n")
              .arg(master.store.policyVersion())
              .arg(policy->ruleCount()));
    return 0;
}

int runServe(QCommandLineParser& parser)
{
    Master master;
    QString error;
    if (!openMaster(parser.value(DirOption), true, &master, &error))
        return fail(error);
    EnrolmentAuthority authority(&master.store, master.bundle, master.caPrivatePem);
    if (parser.isSet(QStringLiteral("certificate-validity"))) {
        bool ok = false;
        const qint64 seconds = parser.value(QStringLiteral("certificate-validity")).toLongLong(&ok);
        if (!ok || seconds < 10 || seconds > 3650LL * 86400)
            return fail(QStringLiteral("--certificate-validity takes seconds, from 10 to 315360000 (ten years)"));
        authority.setValiditySeconds(seconds);
    }
    MasterService service(&master.store, &authority, master.bundle, master.caPrivatePem, nullptr);
    // The credit ledger pvc-batch writes into (--master DIR); each host gets its signed statement.
    auto* credits = new CreditPublisher(
        parser.value(DirOption) + QStringLiteral("/ledger.db"), master.bundle, master.caPrivatePem, &service);
    if (!credits->open(&error))
        return fail(QStringLiteral("cannot open the credit ledger: %1").arg(error));
    service.start();
    credits->start();
    qCInfo(lcMaster) << "master for project" << master.bundle.name << "serving through"
                     << master.bundle.brokers.join(QLatin1String(", "));
    return QCoreApplication::exec();
}

void addServeOptions(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("certificate-validity"),
        QStringLiteral("How long the membership certificates it signs last, in seconds (default 30 days; hosts "
                       "renew theirs when a third of it is left)."),
        QStringLiteral("SECONDS") });
}

void addInitOptions(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("name"), QStringLiteral("Project name."), QStringLiteral("NAME") });
    parser.addOption({ QStringLiteral("broker"),
        QStringLiteral("A broker, HOST:PORT or HOST:PORT=SHA256 to pin its TLS certificate (pvc-broker "
                       "--fingerprint prints it); repeat for several."),
        QStringLiteral("HOST:PORT") });
    parser.addOption({ QStringLiteral("network"), QStringLiteral("Overlay network, a /16 inside 240.0.0.0/4."),
        QStringLiteral("CIDR"), QStringLiteral("240.1.0.0/16") });
    parser.addOption({ QStringLiteral("domain"), QStringLiteral("DNS domain of the overlay."), QStringLiteral("DOMAIN"),
        QStringLiteral("pvc") });
}

void addInviteOptions(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("uses"), QStringLiteral("How many hosts may join with it."), QStringLiteral("N"),
        QStringLiteral("1") });
    parser.addOption({ QStringLiteral("ttl"), QStringLiteral("How long it stays valid (45s, 30m, 12h, 7d)."),
        QStringLiteral("DURATION"), QStringLiteral("7d") });
    parser.addOption({ QStringLiteral("group"),
        QStringLiteral("Groups of the hosts that join with it, comma-separated (policy rules name them)."),
        QStringLiteral("GROUPS"), QStringLiteral("volunteer") });
}

void addHostsOptions(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("json"), QStringLiteral("Print JSON.") });
}

void addRevokeArguments(QCommandLineParser& parser)
{
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The member to revoke."));
}

void addPolicyArguments(QCommandLineParser& parser)
{
    parser.addPositionalArgument(QStringLiteral("set FILE | show"), QStringLiteral("What to do."));
}

// pvc-admin's commands: the name typed, its line in the usage text, the description its --help shows,
// its options, and the function that runs it with the parsed command line.
struct Command {
    QLatin1String name;
    const char* summary;
    const char* description;
    void (*addOptions)(QCommandLineParser& parser); // --dir and --help are every command's
    int (*run)(QCommandLineParser& parser); // returns the exit code
    bool needsDir = true; // the master's directory (--dir)
};

// In the order of the usage text.
const Command Commands[] {
    { QLatin1String("init"), "Make the master CA and the project bundle (project.json)",
        "Make the master CA (Ed25519) and DIR/project.json.", addInitOptions, runInit },
    { QLatin1String("invite"), "Print an invite token", "Print a new invite token.", addInviteOptions, runInvite },
    { QLatin1String("serve"), "Run the online master: approve enrolments, publish revocations",
        "Run the online master.", addServeOptions, runServe },
    { QLatin1String("hosts"), "List members: name, virtual IP, last seen, revoked", "List the project's members.",
        addHostsOptions, runHosts },
    { QLatin1String("revoke"), "Revoke a member by name", "Revoke a member.", addRevokeArguments, runRevoke },
    { QLatin1String("policy"), "'policy set FILE' publishes the global policy; 'policy show' prints it",
        "Set or show the global policy (docs/policy.md).", addPolicyArguments, runPolicy },
    { QLatin1String("publish"), "Seed a FILE or DIR to the members; prints its pvc-data: reference",
        "Publish data by BitTorrent through the master host's pvcd (docs/data.md).", addDataOptions, runPublish,
        false },
    { QLatin1String("data"), "'data list': what the master host's pvcd publishes and fetches",
        "List the data the master host's pvcd seeds and fetches.", addDataOptions, runData, false },
    { QLatin1String("credits"), "Rank the hosts by the credit certified work earned them (--csv FILE)",
        "Rank the hosts by credit, from the master's ledger (docs/batch.md).", addCreditsOptions, runCredits },
};

QString usage()
{
    QString text = QStringLiteral("Usage: pvc-admin COMMAND [options]\n\n"
                                  "The project master's tools.\n\n"
                                  "Commands:\n");
    for (const Command& command : Commands)
        text += QStringLiteral("  %1  %2\n").arg(command.name, -6).arg(QLatin1String(command.summary));
    return text + QStringLiteral("\nRun 'pvc-admin COMMAND --help' for the options of one command.\n");
}

const Command* findCommand(const QString& name)
{
    for (const Command& command : Commands)
        if (command.name == name)
            return &command;
    return nullptr;
}

} // namespace

int runAdminCommand(const QStringList& arguments)
{
    const QString name = arguments.value(1);
    if (name.isEmpty() || name == QLatin1String("--help") || name == QLatin1String("-h")
        || name == QLatin1String("help")) {
        print(usage());
        return name.isEmpty() ? 1 : 0;
    }
    if (name == QLatin1String("--version")) {
        print(QStringLiteral("pvc-admin " PVC_VERSION "\n"));
        return 0;
    }
    const Command* command = findCommand(name);
    if (!command)
        return fail(QStringLiteral("unknown command '%1'\n\n%2").arg(name, usage()));

    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(DirOption);
    parser.setApplicationDescription(QLatin1String(command->description));
    if (command->addOptions)
        command->addOptions(parser);
    QStringList rest = arguments;
    rest.removeAt(1);
    parser.process(rest);
    if (command->needsDir && !parser.isSet(DirOption))
        return fail(QStringLiteral("%1 needs --dir DIR").arg(name));
    return command->run(parser);
}

} // namespace pvc::app
