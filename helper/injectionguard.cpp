#include "injectionguard.h"

#include <QProcess>
#include <QProcessEnvironment>

namespace pvc::helper {

namespace {
constexpr char NftPath[] = "/usr/sbin/nft";
constexpr int NftTimeoutMs = 10000;
} // namespace

bool installInjectionGuard(QString* error)
{
    // "table" then "delete table": the table exists for the delete, whether or not an earlier run left it,
    // and the three steps are one transaction.
    const QByteArray script = QByteArrayLiteral("table ip pvc_helper\n"
                                                "delete table ip pvc_helper\n"
                                                "table ip pvc_helper {\n"
                                                "  chain injected {\n"
                                                "    type filter hook postrouting priority 0; policy accept;\n"
                                                "    meta mark ")
        + QByteArray::number(InjectedMark)
        + QByteArrayLiteral(" oifname != \"lo\" counter drop\n"
                            "  }\n"
                            "}\n");
    QProcess nft;
    nft.setProcessEnvironment(QProcessEnvironment());
    nft.setProcessChannelMode(QProcess::MergedChannels);
    nft.start(QString::fromLatin1(NftPath), { QStringLiteral("-f"), QStringLiteral("-") });
    if (!nft.waitForStarted(NftTimeoutMs)) {
        *error = QStringLiteral("cannot run %1: %2").arg(QLatin1String(NftPath), nft.errorString());
        return false;
    }
    nft.write(script);
    nft.closeWriteChannel();
    if (!nft.waitForFinished(NftTimeoutMs) || nft.exitStatus() != QProcess::NormalExit || nft.exitCode() != 0) {
        nft.kill();
        *error = QStringLiteral("nft refused the rule: %1").arg(QString::fromLocal8Bit(nft.readAll().trimmed()));
        return false;
    }
    return true;
}

} // namespace pvc::helper
